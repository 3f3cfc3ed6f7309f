import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { constants, promises as fs, Stats } from 'node:fs';
import { parseDocument } from 'yaml';
import {
  EntryDefaults,
  parseTokensFileContent,
  StaticTokenSpec,
} from './staticOptions';

/**
 * About 7,000 hashed tokens with subjects and dates. The file is parsed on
 * the event loop, so the limit bounds that pause: YAML parses at about
 * 0.35 s per MiB on a 2-core VM, JSON (taken by a fast path) at about 0.03 s.
 */
export const MAX_TOKENS_FILE_BYTES = 1024 * 1024;

/** How long one file may take to read before its reload is given up. */
export const TOKENS_FILE_READ_TIMEOUT_MS = 10_000;

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer,
// holding the reload queue (and a thread of libuv's pool) forever. It changes
// nothing for regular files. Windows has no such flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

const READ_CHUNK_BYTES = 64 * 1024;

/** Changes whenever the file is rewritten, replaced (rename, symlink swap) or touched. */
export function fileSignature(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/**
 * A tokens file that cannot be used, with the signature of the version that
 * was looked at (if it could be opened), so that exactly that version is not
 * read again, while any later one is.
 */
export class TokensFileError extends GatehouseConfigError {
  readonly signature?: string;
  constructor(title: string, problems: string[], signature?: string) {
    super(title, problems);
    this.name = 'TokensFileError';
    this.signature = signature;
  }
}

/**
 * Reads a file once through one descriptor: what is checked (regular file,
 * size) and what is read are the same version, whatever happens to the path
 * meanwhile (a symlink flip, a rename).
 */
async function readOnce(
  file: string,
  title: string,
): Promise<{ text: string; signature: string }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new TokensFileError(title, [
      `${file}: cannot be read (${code}); check the path in 'tokensFile' and the file's permissions`,
    ]);
  }
  try {
    const stats = await handle.stat();
    const signature = fileSignature(stats);
    const refuse = (problem: string) =>
      new TokensFileError(title, [`${file}: ${problem}`], signature);
    if (!stats.isFile()) {
      throw refuse('is not a regular file');
    }
    const tooLarge = refuse(
      `is larger than the limit of ${MAX_TOKENS_FILE_BYTES} bytes; split the tokens over several entries`,
    );
    if (stats.size > MAX_TOKENS_FILE_BYTES) {
      throw tooLarge;
    }
    // Read to the end rather than stats.size bytes: the file may still be
    // growing. One byte over the limit is enough to refuse it.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read({
        buffer: Buffer.alloc(READ_CHUNK_BYTES),
      });
      if (bytesRead === 0) {
        break;
      }
      total += bytesRead;
      if (total > MAX_TOKENS_FILE_BYTES) {
        throw tooLarge;
      }
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return { text: Buffer.concat(chunks).toString('utf8'), signature };
  } catch (error) {
    if (error instanceof TokensFileError) {
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new TokensFileError(title, [`${file}: cannot be read (${code})`]);
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * Reads a `tokensFile` (YAML or JSON, which is YAML too) and validates it.
 *
 * @throws TokensFileError naming the file and every problem in it
 */
export async function readTokensFile(
  file: string,
  defaults: EntryDefaults,
): Promise<{ tokens: StaticTokenSpec[]; signature: string }> {
  const title = `Invalid gatehouse-static tokensFile ${file}:`;
  const { text, signature } = await readOnce(file, title);
  const json = parseJsonObject(text);
  if (json !== undefined) {
    return { tokens: validate(() => json), signature };
  }
  const document = parseDocument(text);
  if (document.errors.length) {
    // Only the position: a YAML error message quotes the offending line, and
    // that line may hold a token.
    throw new TokensFileError(
      title,
      document.errors.map(e => {
        const where = e.linePos?.[0];
        return `${file}: YAML syntax error (${e.code})${
          where ? ` at line ${where.line}, column ${where.col}` : ''
        }`;
      }),
      signature,
    );
  }
  return { tokens: validate(() => document.toJS()), signature };

  function validate(content: () => unknown): StaticTokenSpec[] {
    try {
      return parseTokensFileContent(content(), file, defaults);
    } catch (error) {
      // toJS() refuses alias bombs with an error that quotes nothing.
      const problems =
        error instanceof GatehouseConfigError
          ? error.problems
          : [`${file}: ${(error as Error).message}`];
      throw new TokensFileError(title, problems, signature);
    }
  }
}

/**
 * A JSON object, by the fast native parser; undefined for anything else,
 * which then goes to the YAML parser (JSON is YAML too, and the YAML
 * parser's errors carry line numbers).
 */
function parseJsonObject(text: string): object | undefined {
  if (!text.trimStart().startsWith('{')) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
