import { ConfigReader } from '@backstage/config';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { validateExternalAccess } from './config/validateExternalAccess';
import { parseJwksOptions } from './jwks/jwksOptions';
import { parseStaticOptions } from './static/staticOptions';

const ROOT = join(__dirname, '..');

/** Every `externalAccess` entry in a YAML text: a full config or a bare list of entries. */
function entriesIn(yaml: string): Array<{ type: string; options: unknown }> {
  // Unset variables get a distinct token-shaped value each, as Backstage would substitute them.
  let n = 0;
  const substituted = yaml.replace(
    /\$\{\w+\}/g,
    () => `gth_docs_example_value_${String(++n).padStart(20, '0')}`,
  );
  const data = parse(substituted);
  const list = Array.isArray(data) ? data : data?.backend?.auth?.externalAccess;
  return Array.isArray(list)
    ? list.filter(e => typeof e?.type === 'string')
    : [];
}

function yamlBlocks(markdown: string): string[] {
  return (
    [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map(m => m[1])
      // Indented fragments of a list, as in the recipes, are YAML once dedented.
      .map(block => {
        const indent = Math.min(
          ...block
            .split('\n')
            .filter(l => l.trim())
            .map(l => l.match(/^ */)![0].length),
        );
        return block
          .split('\n')
          .map(l => l.slice(indent))
          .join('\n');
      })
  );
}

describe('documentation examples', () => {
  const sources = [
    ['README.md', yamlBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))],
    [
      'app-config.example.yaml',
      [readFileSync(join(ROOT, 'app-config.example.yaml'), 'utf8')],
    ],
  ] as const;

  it.each(sources)(
    'every Gatehouse entry in %s is valid config',
    (_file, blocks) => {
      const entries = blocks.flatMap(entriesIn);
      expect(
        entries.filter(e => e.type.startsWith('gatehouse-')).length,
      ).toBeGreaterThanOrEqual(_file === 'README.md' ? 6 : 3);
      for (const [index, entry] of entries.entries()) {
        const path = `example[${index}].options`;
        if (entry.type === 'gatehouse-static') {
          expect(() => parseStaticOptions(entry.options, path)).not.toThrow();
        } else if (entry.type === 'gatehouse-jwks') {
          expect(() => parseJwksOptions(entry.options, path)).not.toThrow();
        }
      }
    },
  );

  it.each(sources)(
    'every complete externalAccess list in %s passes the start-up check',
    (_file, blocks) => {
      for (const block of blocks) {
        const data = parse(
          block.replace(/\$\{\w+\}/g, 'gth_docs_example_value_0123456789'),
        );
        if (Array.isArray(data?.backend?.auth?.externalAccess)) {
          expect(() =>
            validateExternalAccess(new ConfigReader(data)),
          ).not.toThrow();
        }
      }
    },
  );

  // The files npm ships (package.json `files`, plus what npm always adds).
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const shipped = (path: string) =>
    ['README.md', 'LICENSE', 'package.json', ...pkg.files].some(
      (entry: string) => path === entry || path.startsWith(`${entry}/`),
    );
  // Links to the repository's other files, which the registry's page of a
  // shipped Markdown file can only reach by absolute URL.
  const repoUrl = pkg.repository.url
    .replace(/^git\+/, '')
    .replace(/\.git$/, '');
  const repoLink = new RegExp(
    `^${repoUrl.replace(/[.]/g, '\\.')}/(?:blob|tree)/main/(.+)$`,
  );

  it.each([
    'README.md',
    'SECURITY.md',
    'BENCHMARKS.md',
    'CHANGELOG.md',
    'replicas/README.md',
    'dev/identityProvider/README.md',
    'packaging/README.md',
  ])('every link of %s to the repository names one of its files', file => {
    const markdown = readFileSync(join(ROOT, file), 'utf8');
    const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
      .map(m => m[1].split('#')[0])
      .filter(
        target =>
          target && (!/^[a-z]+:/i.test(target) || repoLink.test(target)),
      );
    for (const target of targets) {
      const path = repoLink.exec(target)?.[1] ?? join(dirname(file), target);
      const relativeFromShippedFile = shipped(file) && !repoLink.test(target);
      expect({
        file,
        target,
        exists: existsSync(join(ROOT, path)),
        // A relative link from a shipped file must reach a shipped file.
        reachableOnTheRegistry: !relativeFromShippedFile || shipped(path),
      }).toEqual({ file, target, exists: true, reachableOnTheRegistry: true });
    }
  });

  it("the README's plugin-to-plugin example is dev/reportsPlugin.ts, which the type check and the dev backend run", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /## Calling other plugins[\s\S]*?```ts\n([\s\S]*?)```/.exec(
      readme,
    )?.[1];
    expect(example).toBe(
      readFileSync(join(ROOT, 'dev/reportsPlugin.ts'), 'utf8'),
    );
  });
});
