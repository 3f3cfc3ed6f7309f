/**
 * The README's "Your first token in five minutes", taken from the README as
 * written, for packaging/adopter.test.ts to follow in a scratch backend: the
 * token create command, the config entry with the lines it printed, and the
 * calls with the status each comment promises.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './scratchInstall';

const SECTION = '## Your first token in five minutes';
/** Where create-app keeps app-config.yaml, seen from packages/backend. */
const README_CONFIG_PATH = '../../app-config.yaml';
/** Where the README's calls send requests. */
const README_BASE_URL = 'http://localhost:7007';

function walkThroughText(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new Error(`README.md: no "${SECTION}"`);
  const end = readme.indexOf('\n## ', start + SECTION.length);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The code blocks of the walk-through, in order. */
function blocks(): { lang: string; text: string }[] {
  return [...walkThroughText().matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(m => ({
    lang: m[1],
    text: m[2],
  }));
}

/** Shell lines with `\` continuations joined, comments kept apart. */
function commands(text: string): { command: string; comment: string }[] {
  return text
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter(line => line.trim())
    .map(line => {
      const hash = line.search(/\s#\s/);
      return hash < 0
        ? { command: line.trim(), comment: '' }
        : {
            command: line.slice(0, hash).trim(),
            comment: line.slice(hash).replace(/^\s*#\s*/, ''),
          };
    });
}

export interface CreatedToken {
  token: string;
  /** The `tokens` list items token create printed for config. */
  lines: Record<string, unknown>[];
}

/** Runs step 1 (token create) as written, in `backendDir`, and reads what it printed. */
export function createTokenAsWritten(backendDir: string): CreatedToken {
  const [step1] = blocks();
  const [{ command }] = commands(step1.text);
  if (!command.startsWith('npx gatehouse token create')) {
    throw new Error(
      `README walk-through step 1 is not token create: ${command}`,
    );
  }
  const output = execFileSync('bash', ['-euc', command], {
    cwd: backendDir,
    encoding: 'utf8',
  });
  const token = /^\s+(gths_\S+)$/m.exec(output)?.[1];
  const yaml = output.slice(output.indexOf('\n', output.indexOf('Add this')));
  const lines = parse(
    yaml
      .split('\n')
      .map(line => line.replace(/^ {2}/, ''))
      .join('\n'),
  );
  if (!token || !Array.isArray(lines)) {
    throw new Error(`unexpected token create output:\n${output}`);
  }
  return { token, lines };
}

/**
 * Step 2's entry with the printed lines in place of the README's example
 * lines, which must have the same keys (the README shows what is printed).
 */
export function configEntryAsWritten(created: CreatedToken): unknown {
  const step2 = blocks().find(b => b.lang === 'yaml');
  const [entry] = parse(step2!.text).backend.auth.externalAccess;
  const shown = entry.options.tokens as Record<string, unknown>[];
  const keys = (items: Record<string, unknown>[]) =>
    items.map(item => Object.keys(item).sort().join(','));
  if (keys(shown).join(';') !== keys(created.lines).join(';')) {
    throw new Error(
      `README step 2 shows tokens with keys ${keys(shown)}, token create prints ${keys(created.lines)}`,
    );
  }
  return { ...entry, options: { ...entry.options, tokens: created.lines } };
}

export interface CallResult {
  command: string;
  /** What the README's comment promises, e.g. "200: a read". */
  promised: string;
  /** The HTTP status (curl), or exit code and output (gatehouse). */
  got: string;
}

/**
 * Runs step 3 as written, against `baseUrl` and with the config file at
 * `configFile`, with TOKEN set to the created token.
 */
export function runCallsAsWritten(options: {
  backendDir: string;
  baseUrl: string;
  configFile: string;
  token: string;
}): CallResult[] {
  const step3 = blocks().filter(b => b.lang === 'sh')[1];
  const results: CallResult[] = [];
  for (const { command, comment } of commands(step3.text)) {
    if (command.startsWith('export TOKEN=')) continue;
    const local = command
      .split(README_CONFIG_PATH)
      .join(options.configFile)
      .split(README_BASE_URL)
      .join(options.baseUrl);
    const isCurl = local.startsWith('curl ');
    const result = spawnSync(
      'bash',
      [
        '-euc',
        isCurl
          ? local.replace(/^curl /, "curl -s -o /dev/null -w '%{http_code}' ")
          : local,
      ],
      {
        cwd: options.backendDir,
        encoding: 'utf8',
        env: { ...process.env, TOKEN: options.token },
      },
    );
    results.push({
      command,
      promised: comment,
      got: isCurl
        ? result.stdout
        : `exit ${result.status}: ${result.stdout}${result.stderr}`,
    });
  }
  return results;
}
