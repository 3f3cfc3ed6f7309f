import { mockServices } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapturedLogs } from '../testing/CapturedLogs';
import { eventually, whoami } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import { StaticTokenRegistry } from './StaticTokenRegistry';
import { MAX_TOKENS_FILE_BYTES } from './tokensFile';

const SMALL_TOKEN = 'gth_small-file-token-0123456789abcdefghijk';
const BIG_TOKEN = 'gth_big-file-token-0123456789abcdefghijklm';
const FINAL_TOKEN = 'gth_final-file-token-0123456789abcdefghijk';
const FILE_TOKEN = 'gth_race-file-token-0123456789abcdefghijkl';
const NEWER_TOKEN = 'gth_newer-version-token-0123456789abcdefgh';

const tokensYaml = (token: string) => `tokens:\n  - token: ${token}\n`;

function replaceFile(path: string, content: string) {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

/** Points `link` at `target` atomically, as Kubernetes updates mounted secrets. */
function repoint(link: string, target: string) {
  symlinkSync(target, `${link}.tmp`);
  renameSync(`${link}.tmp`, link);
}

// Flips the link through its targets as fast as it can, for `ms`, from
// another process: truly concurrent with the registry's reads.
const FLIPPER = `
const fs = require('node:fs');
const [link, ms, ...targets] = process.argv.slice(1);
const end = Date.now() + Number(ms);
for (let i = 0; Date.now() < end; i += 1) {
  try { fs.unlinkSync(link + '.flip'); } catch {}
  fs.symlinkSync(targets[i % targets.length], link + '.flip');
  fs.renameSync(link + '.flip', link);
}
`;

describe('tokensFile whose path changes under the reader', () => {
  it('never applies a version over the size limit and never blocks on a FIFO, however fast the path flips', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-flip-'));
    const small = join(dir, 'small.yaml');
    const big = join(dir, 'big.yaml');
    const fifo = join(dir, 'fifo');
    const final = join(dir, 'final.yaml');
    const link = join(dir, 'tokens.yaml');
    writeFileSync(small, tokensYaml(SMALL_TOKEN));
    // Valid YAML with a token, just over the limit: only a size check read
    // from another version than the one parsed would let it in.
    writeFileSync(
      big,
      `${tokensYaml(BIG_TOKEN)}# ${'x'.repeat(MAX_TOKENS_FILE_BYTES)}\n`,
    );
    execFileSync('mkfifo', [fifo]);
    writeFileSync(final, tokensYaml(FINAL_TOKEN));
    repoint(link, small);

    const logs = new CapturedLogs();
    const data = {
      backend: {
        auth: {
          externalAccess: [
            {
              type: 'gatehouse-static',
              options: { subject: 'flipped', tokensFile: link },
            },
          ],
        },
      },
    };
    const config = mockServices.rootConfig({ data: data as JsonObject });
    const registry = await StaticTokenRegistry.create({
      config,
      logger: logs.logger(),
      pollIntervalMs: 2,
    });
    try {
      let bigAccepted = 0;
      const watch = setInterval(() => {
        if (registry.verify(BIG_TOKEN, 0).result === 'accepted') {
          bigAccepted += 1;
        }
      }, 1);
      const flipper = spawn(process.execPath, [
        '-e',
        FLIPPER,
        link,
        '3000',
        small,
        big,
        fifo,
      ]);
      await new Promise(resolve => flipper.on('exit', resolve));
      clearInterval(watch);
      expect(bigAccepted).toBe(0);
      expect(
        logs.matching('error', /is larger than the limit/).length +
          logs.matching('error', /is not a regular file/).length,
      ).toBeGreaterThan(0);

      // Nothing is stuck: the next version of the file, and a config
      // change, which waits in the same queue, are both applied.
      repoint(link, final);
      await eventually(() => {
        expect(registry.verify(FINAL_TOKEN, 0).result).toBe('accepted');
      }, 3000);
      config.update({
        data: {
          backend: {
            auth: {
              externalAccess: [
                {
                  type: 'gatehouse-static',
                  options: {
                    subject: 'flipped',
                    tokensFile: link,
                    token: FILE_TOKEN,
                  },
                },
              ],
            },
          },
        } as JsonObject,
      });
      await eventually(() => {
        expect(registry.verify(FILE_TOKEN, 0).result).toBe('accepted');
      }, 3000);
    } finally {
      registry.close();
    }
  });
});

describe('tokensFile rewritten while a broken version is being read', () => {
  let backend: GatehouseTestBackend;
  let tokensFile: string;

  beforeEach(async () => {
    tokensFile = join(
      mkdtempSync(join(tmpdir(), 'gatehouse-newer-')),
      't.yaml',
    );
    writeFileSync(tokensFile, tokensYaml(FILE_TOKEN));
    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: { subject: 'from-file', tokensFile },
        },
      ],
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await backend.stop();
  });

  it('applies the version written after the broken one was read', async () => {
    // The fixed version lands right after the broken one was read, before
    // the reader has finished with it: the moment an editor or a deploy
    // tool would save again.
    // The module object itself: an `import * as` copy would not be seen by
    // the code under test.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml: typeof import('yaml') = require('yaml');
    const parse = yaml.parseDocument;
    jest.spyOn(yaml, 'parseDocument').mockImplementation(((
      text: string,
      ...rest: unknown[]
    ) => {
      if (text.includes('BROKEN-VERSION')) {
        replaceFile(tokensFile, tokensYaml(NEWER_TOKEN));
      }
      return (parse as (...args: unknown[]) => unknown)(text, ...rest);
    }) as typeof yaml.parseDocument);

    replaceFile(tokensFile, 'tokens:\n  - token: BROKEN-VERSION: x\n');
    await eventually(async () => {
      expect(backend.logs.matching('error', /YAML syntax error/)).toHaveLength(
        1,
      );
    }, 3000);
    await eventually(async () => {
      expect((await whoami(backend, NEWER_TOKEN)).status).toBe(200);
    }, 3000);
    expect((await whoami(backend, FILE_TOKEN)).status).toBe(401);
  });
});
