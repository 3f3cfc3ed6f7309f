import {
  coreServices,
  createServiceFactory,
  RootLoggerService,
} from '@backstage/backend-plugin-api';

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta: Record<string, unknown>;
}

/**
 * A root logger that records every entry, with the metadata of its child
 * loggers, so tests can assert what was logged and that no secret was.
 */
export class CapturedLogs {
  readonly entries: LogEntry[] = [];

  factory() {
    return createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => this.logger(),
    });
  }

  /** The root logger itself, for parts tested outside a backend. */
  logger(): RootLoggerService {
    return this.#logger({});
  }

  /** Every entry as one string, for "the secret appears nowhere" checks. */
  text(): string {
    return this.entries
      .map(e => `${e.level} ${e.message} ${safeStringify(e.meta)}`)
      .join('\n');
  }

  matching(level: LogEntry['level'], pattern: RegExp): LogEntry[] {
    return this.entries.filter(
      e => e.level === level && pattern.test(e.message),
    );
  }

  clear() {
    this.entries.length = 0;
  }

  #logger(base: Record<string, unknown>): RootLoggerService {
    const log =
      (level: LogEntry['level']) => (message: string, meta?: unknown) => {
        this.entries.push({
          level,
          message,
          meta: {
            ...base,
            ...(isObject(meta) ? meta : meta ? { error: meta } : {}),
          },
        });
      };
    return {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      debug: log('debug'),
      child: meta => this.#logger({ ...base, ...meta }),
    };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !(value instanceof Error)
  );
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) =>
      v instanceof Error
        ? { name: v.name, message: v.message, stack: v.stack }
        : v,
    );
  } catch {
    return String(value);
  }
}
