import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { promises as fs, Stats } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseTokensFileContent, StaticTokenSpec } from './staticOptions';

/** 10,000 hashed tokens with subjects and dates take about 1.5 MB. */
export const MAX_TOKENS_FILE_BYTES = 16 * 1024 * 1024;

/** Changes whenever the file is rewritten, replaced (rename, symlink swap) or touched. */
export function fileSignature(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/**
 * Reads a `tokensFile` (YAML or JSON, which is YAML too) and validates it.
 *
 * @throws GatehouseConfigError naming the file and every problem in it
 */
export async function readTokensFile(
  file: string,
  defaultSubject: string | undefined,
): Promise<{ tokens: StaticTokenSpec[]; signature: string }> {
  const title = `Invalid gatehouse-static tokensFile ${file}:`;
  let text: string;
  let signature: string;
  try {
    const stats = await fs.stat(file);
    if (!stats.isFile()) {
      throw new GatehouseConfigError(title, [`${file}: is not a regular file`]);
    }
    if (stats.size > MAX_TOKENS_FILE_BYTES) {
      throw new GatehouseConfigError(title, [
        `${file}: is ${stats.size} bytes, more than the limit of ${MAX_TOKENS_FILE_BYTES}`,
      ]);
    }
    signature = fileSignature(stats);
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof GatehouseConfigError) {
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new GatehouseConfigError(title, [
      `${file}: cannot be read (${code}); check the path in 'tokensFile' and the file's permissions`,
    ]);
  }

  const document = parseDocument(text);
  if (document.errors.length) {
    // Only the position: a YAML error message quotes the offending line, and
    // that line may hold a token.
    throw new GatehouseConfigError(
      title,
      document.errors.map(e => {
        const where = e.linePos?.[0];
        return `${file}: YAML syntax error (${e.code})${
          where ? ` at line ${where.line}, column ${where.col}` : ''
        }`;
      }),
    );
  }
  return {
    tokens: parseTokensFileContent(document.toJS(), file, defaultSubject),
    signature,
  };
}
