import { ConfigReader } from '@backstage/config';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { validateExternalAccess } from './config/validateExternalAccess';
import { parseJwksOptions } from './jwks/jwksOptions';
import { parseStaticOptions } from './static/staticOptions';

const ROOT = join(__dirname, '..');

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The documentation: the README (the landing page) and every page of docs/. */
const DOCS_PAGES = readdirSync(join(ROOT, 'docs'))
  .filter(name => name.endsWith('.md'))
  .sort()
  .map(name => `docs/${name}`);
const DOCUMENTATION = ['README.md', ...DOCS_PAGES];

/**
 * Every complete config in a parsed YAML text: the text itself, or the
 * `pluginConfig` of each plugin of a Red Hat Developer Hub
 * `dynamic-plugins.yaml`.
 */
function configsIn(data: unknown): unknown[] {
  const plugins = (data as { plugins?: unknown })?.plugins;
  return [
    data,
    ...(Array.isArray(plugins)
      ? plugins.map(plugin => plugin?.pluginConfig).filter(Boolean)
      : []),
  ];
}

function externalAccessOf(config: unknown): unknown {
  return (config as { backend?: { auth?: { externalAccess?: unknown } } })
    ?.backend?.auth?.externalAccess;
}

/**
 * The text with each `${VARIABLE}` replaced as a user's environment would:
 * a URL for a name ending in _URL or _ISSUER, a 'sha256:' hash for one
 * ending in _HASH, a token-shaped value (distinct for each) otherwise.
 */
function substituteVariables(yaml: string): string {
  let n = 0;
  return yaml.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (/_(URL|ISSUER)$/.test(name)) {
      return `https://idp.example.com/${name.toLowerCase()}`;
    }
    if (name.endsWith('_HASH')) {
      return `sha256:${createHash('sha256').update(name).digest('hex')}`;
    }
    return `gth_docs_example_value_${String(++n).padStart(20, '0')}`;
  });
}

/** Every `externalAccess` entry in a YAML text: a full config or a bare list of entries. */
function entriesIn(yaml: string): Array<{ type: string; options: unknown }> {
  const data = parse(substituteVariables(yaml));
  const lists = Array.isArray(data)
    ? [data]
    : configsIn(data).map(externalAccessOf);
  return (lists.filter(list => Array.isArray(list)) as unknown[][])
    .flat()
    .filter(
      (e): e is { type: string; options: unknown } =>
        typeof (e as { type?: unknown })?.type === 'string',
    );
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

const gatehouseEntries = (blocks: readonly string[]) =>
  blocks
    .flatMap(entriesIn)
    .filter(entry => entry.type.startsWith('gatehouse-'));

/** The headings of a Markdown text, outside fenced code blocks. */
function headingsOf(markdown: string): Array<{ level: number; text: string }> {
  const headings: Array<{ level: number; text: string }> = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (!fence || marker.startsWith(fence))) {
      fence = fence ? undefined : marker;
      continue;
    }
    const heading = !fence && /^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      headings.push({ level: heading[1].length, text: heading[2] });
    }
  }
  return headings;
}

/**
 * GitHub's anchor for a heading: its text as rendered (links become their
 * text, backticks go), lower-case, punctuation dropped except `-` and `_`,
 * spaces made `-`.
 */
function githubSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text's headings; a repeated one gets `-1`, `-2`... */
function anchorsOf(markdown: string): string[] {
  const anchors: string[] = [];
  for (const { text } of headingsOf(markdown)) {
    const slug = githubSlug(text);
    let anchor = slug;
    for (let n = 1; anchors.includes(anchor); n++) {
      anchor = `${slug}-${n}`;
    }
    anchors.push(anchor);
  }
  return anchors;
}

describe('the anchors of headings', () => {
  it.each([
    ['Install into your backend', 'install-into-your-backend'],
    ['`gatehouse-static` reference', 'gatehouse-static-reference'],
    ['GitLab CI (`id_tokens`)', 'gitlab-ci-id_tokens'],
    ['config:check --strict', 'configcheck---strict'],
    [
      "Every replica's JWKS lists every replica's keys",
      'every-replicas-jwks-lists-every-replicas-keys',
    ],
    ['SQLite on Node.js 24', 'sqlite-on-nodejs-24'],
    ['Logs, metrics and reason codes', 'logs-metrics-and-reason-codes'],
  ])('%s is #%s, as on GitHub', (heading, anchor) => {
    expect(githubSlug(heading)).toBe(anchor);
  });

  it('number repeated headings and skip code blocks', () => {
    const markdown = [
      '# Page',
      '## Example',
      '```sh',
      '# a comment, not a heading',
      '```',
      '## Example',
      '  ```sql',
      '# neither',
      '  ```',
      '### Example',
    ].join('\n');
    expect(anchorsOf(markdown)).toEqual([
      'page',
      'example',
      'example-1',
      'example-2',
    ]);
  });
});

describe('documentation examples', () => {
  const sources = [
    ...DOCUMENTATION.map(file => [file, yamlBlocks(read(file))] as const),
    ['app-config.example.yaml', [read('app-config.example.yaml')]] as const,
  ];
  const minimumEntries: Record<string, number> = {
    // One minimal entry per type.
    'README.md': 2,
    'app-config.example.yaml': 3,
  };

  it.each(sources)(
    'every Gatehouse entry in %s is valid config',
    (file, blocks) => {
      const entries = blocks.flatMap(entriesIn);
      expect(gatehouseEntries(blocks).length).toBeGreaterThanOrEqual(
        minimumEntries[file] ?? 0,
      );
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

  it('docs/ holds every example the README held before it was split', () => {
    // The README had 8 checked entries; its installation example is now the
    // README's minimal gatehouse-static entry, the other 7 are in docs/, and
    // so is the Red Hat Developer Hub entry (in a dynamic-plugins.yaml
    // pluginConfig), which is checked since.
    const entries = sources
      .filter(([file]) => file.startsWith('docs/'))
      .flatMap(([, blocks]) => gatehouseEntries(blocks));
    expect(entries.length).toBeGreaterThanOrEqual(8);
  });

  it.each(sources)(
    'every complete externalAccess list in %s passes the start-up check',
    (_file, blocks) => {
      for (const block of blocks) {
        const data = parse(substituteVariables(block));
        for (const config of configsIn(data)) {
          if (Array.isArray(externalAccessOf(config))) {
            expect(() =>
              validateExternalAccess(
                new ConfigReader(
                  config as ConstructorParameters<typeof ConfigReader>[0],
                ),
              ),
            ).not.toThrow();
          }
        }
      }
    },
  );

  // The files npm ships (package.json `files`, plus what npm always adds).
  const pkg = JSON.parse(read('package.json'));
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
    `^${repoUrl.replace(/[.]/g, '\\.')}/(?:blob|tree)/main/([^#]+)(?:#.*)?$`,
  );

  it('ships the documentation', () => {
    for (const file of DOCUMENTATION) {
      expect({ file, shipped: shipped(file) }).toEqual({ file, shipped: true });
    }
  });

  it.each([
    ...DOCUMENTATION,
    'SECURITY.md',
    'BENCHMARKS.md',
    'CHANGELOG.md',
    'replicas/README.md',
    'dev/identityProvider/README.md',
    'packaging/README.md',
    'plugins/gatehouse/README.md',
    'plugins/gatehouse-common/README.md',
  ])(
    'every link of %s to the repository names one of its files, and a heading there',
    file => {
      const markdown = read(file);
      const links = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
        .map(m => m[1])
        .filter(link => !/^[a-z]+:/i.test(link) || repoLink.test(link));
      for (const link of links) {
        const [target, anchor] = link.split('#') as [string, string?];
        const path = target
          ? (repoLink.exec(link)?.[1] ?? join(dirname(file), target))
          : file;
        const exists = existsSync(join(ROOT, path));
        const relativeFromShippedFile = shipped(file) && !repoLink.test(link);
        expect({
          file,
          link,
          exists,
          // A relative link from a shipped file must reach a shipped file.
          reachableOnTheRegistry: !relativeFromShippedFile || shipped(path),
          // An anchor must be a heading of the file it points into.
          anchor:
            anchor === undefined || !exists || !path.endsWith('.md')
              ? anchor
              : anchorsOf(read(path)).find(
                  a => a === decodeURIComponent(anchor),
                ),
        }).toEqual({
          file,
          link,
          exists: true,
          reachableOnTheRegistry: true,
          anchor,
        });
      }
    },
  );

  it.each(DOCS_PAGES)(
    '%s starts with a title, a sentence and a table of contents of its headings',
    file => {
      const markdown = read(file);
      const [title, ...sections] = headingsOf(markdown);
      expect(title.level).toBe(1);
      expect(markdown.startsWith(`# ${title.text}\n\n`)).toBe(true);
      // The table of contents: the first list on the page, before any section.
      const beforeSections = markdown.slice(0, markdown.indexOf('\n## '));
      const toc = [
        ...beforeSections.matchAll(/^ *- \[.*\]\(#([^)]+)\)$/gm),
      ].map(m => m[1]);
      const anchors = anchorsOf(markdown).slice(1);
      expect(toc).toEqual(anchors.filter((_, i) => sections[i].level <= 3));
    },
  );

  it("the README's documentation section links to every page of docs/", () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('\n## Documentation\n'));
    const linked = [...section.matchAll(/\]\((docs\/[^)#\s]+)\)/g)].map(
      m => m[1],
    );
    expect(DOCS_PAGES.filter(page => !linked.includes(page))).toEqual([]);
  });

  it('the plugin-to-plugin example of docs/plugin-to-plugin.md is dev/reportsPlugin.ts, which the type check and the dev backend run', () => {
    const page = read('docs/plugin-to-plugin.md');
    const example =
      /^# Calling other plugins\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(page)?.[1];
    expect(example).toBe(read('dev/reportsPlugin.ts'));
  });
});
