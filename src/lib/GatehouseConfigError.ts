/**
 * Invalid configuration (app config or a token file). The message has a title
 * and one line per problem, each naming the config path or file, so that a
 * failed start-up says exactly what to fix.
 */
export class GatehouseConfigError extends Error {
  readonly problems: string[];
  constructor(title: string, problems: string[]) {
    super(`${title}\n${problems.map(p => `  - ${p}`).join('\n')}`);
    this.name = 'GatehouseConfigError';
    this.problems = problems;
  }
}

/** The problems of a config error as one line, for logs. */
export function problemsOf(error: unknown): string {
  if (error instanceof GatehouseConfigError) {
    return error.problems.join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
