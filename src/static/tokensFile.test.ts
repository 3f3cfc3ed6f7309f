import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../lib/tokenDigest';
import { readTokensFile } from './tokensFile';

const TOKEN = 'gth_file-token-0123456789abcdefghijklmnop';

describe('readTokensFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tokens-file-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads YAML and JSON', async () => {
    const yaml = file(
      't.yaml',
      `tokens:\n  - token: ${TOKEN}\n    subject: a\n`,
    );
    const json = file(
      't.json',
      JSON.stringify({ tokens: [{ hash: `sha256:${sha256Hex(TOKEN)}` }] }),
    );
    await expect(readTokensFile(yaml, {})).resolves.toMatchObject({
      tokens: [{ digest: sha256Hex(TOKEN), subject: 'a' }],
    });
    await expect(readTokensFile(json, { subject: 'b' })).resolves.toMatchObject(
      {
        tokens: [{ digest: sha256Hex(TOKEN), subject: 'b' }],
      },
    );
  });

  it('reports syntax errors by position only, never quoting the line', async () => {
    const broken = file(
      'broken.yaml',
      `tokens:\n  - token: ${TOKEN}: nested\n    x\n`,
    );
    const error = await readTokensFile(broken, { subject: 'a' }).catch(e => e);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain(`${broken}: YAML syntax error (`);
    expect(error.message).toMatch(/at line 2, column \d+/);
  });

  it('reports a missing file with the path and the fix', async () => {
    await expect(
      readTokensFile(join(dir, 'missing.yaml'), { subject: 'a' }),
    ).rejects.toThrow(
      `${join(dir, 'missing.yaml')}: cannot be read (ENOENT); check the path in 'tokensFile' and the file's permissions`,
    );
  });
});
