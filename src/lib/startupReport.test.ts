import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import { createDemoPlugin } from '../../dev/demoPlugin';
import gatehouse from '../index';
import { CapturedLogs } from '../testing/CapturedLogs';
import { startupErrorOf } from '../testing/startGatehouseTestBackend';
import { GatehouseConfigError } from './GatehouseConfigError';
import {
  GatehouseStartupError,
  PROBLEMS_IN_ERROR,
  reportOnce,
} from './startupReport';

/** How often `part` occurs in `text`. */
function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/**
 * A backend as a new user's test starts it: startTestBackend's default
 * logger, which prints nothing, so the rejected promise is all they see.
 */
function startWith(externalAccess: JsonObject[]) {
  return startTestBackend({
    features: [
      gatehouse,
      authServiceFactory,
      httpAuthServiceFactory,
      httpRouterServiceFactory,
      mockServices.rootConfig.factory({
        data: { backend: { auth: { externalAccess } } },
      }),
      createDemoPlugin('demo'),
      createDemoPlugin('other'),
    ],
  });
}

describe('a failed start-up, seen without the log', () => {
  it('names each config path and its fix in the rejected error, once', async () => {
    const error: Error = await startWith([
      {
        type: 'gatehouse-static',
        options: { subject: 'ci', token: 'short', tokn: 'x' },
      },
    ]).then(
      () => {
        throw new Error('expected start-up to fail');
      },
      e => e,
    );
    const problems = [
      "backend.auth.externalAccess[0].options.token: must be at least 16 characters long; generate one with 'npx gatehouse token create'",
      "backend.auth.externalAccess[0].options.tokn: unknown key 'tokn'; did you mean 'token'?",
    ];
    for (const problem of problems) {
      expect(error.message).toContain(`\n  - ${problem}`);
      expect(occurrences(error.message, problem)).toBe(1);
    }
    expect(error.message).toContain(
      'Gatehouse cannot start. Invalid backend.auth.externalAccess configuration:',
    );
  });

  it('names the problems a root context finds too, such as an unreadable token file', async () => {
    // Found after the plugins started, so Backstage repeats it per plugin.
    await expect(
      startWith([
        {
          type: 'gatehouse-static',
          options: { subject: 'ci', tokensFile: '/nonexistent/tokens.yaml' },
        },
      ]),
    ).rejects.toThrow(
      "backend.auth.externalAccess[0].options.tokensFile: /nonexistent/tokens.yaml: cannot be read (ENOENT); check the path in 'tokensFile' and the file's permissions",
    );
  });
});

describe('a failed start-up with a long report', () => {
  it('throws the first problems and how many more the log has', async () => {
    const count = PROBLEMS_IN_ERROR + 2;
    // startupErrorOf checks the thrown error against the logged report.
    const report = await startupErrorOf(
      Array.from({ length: count }, (_, i) => ({
        type: 'gatehouse-static',
        options: { subject: `caller-${i}`, token: 'short' },
      })),
    );
    expect(report.split('\n')).toHaveLength(count + 1);
  });
});

describe('reportOnce', () => {
  const report = (count: number) =>
    new GatehouseConfigError(
      'Invalid backend.auth.externalAccess configuration:',
      Array.from(
        { length: count },
        (_, i) => `backend.auth.externalAccess[${i}].type: is missing`,
      ),
    );

  it('logs the report once per backend and throws it', () => {
    const logs = new CapturedLogs();
    const rootLogger = logs.logger();
    // As both Gatehouse types' root contexts do when a backend adds them without the loader.
    const thrown = [
      reportOnce(report(2), rootLogger),
      reportOnce(report(2), rootLogger),
    ];
    expect(logs.entries.map(e => e.message)).toEqual([
      `Gatehouse cannot start. ${report(2).message}`,
    ]);
    for (const error of thrown) {
      expect(error).toBeInstanceOf(GatehouseStartupError);
      expect((error as Error).message).toBe(
        `Gatehouse cannot start. ${report(2).message}`,
      );
    }
  });

  it('lists the first problems and the count of the others', () => {
    const count = PROBLEMS_IN_ERROR + 3;
    const error = reportOnce(
      report(count),
      new CapturedLogs().logger(),
    ) as GatehouseStartupError;
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(PROBLEMS_IN_ERROR + 2);
    expect(lines[PROBLEMS_IN_ERROR]).toBe(
      `  - backend.auth.externalAccess[${PROBLEMS_IN_ERROR - 1}].type: is missing`,
    );
    expect(lines[PROBLEMS_IN_ERROR + 1]).toBe(
      '  ... and 3 more, in the report logged before this error',
    );
    // All of them for code, but not printed again after the stack.
    expect(error.problems).toHaveLength(count);
    expect(Object.keys(error)).not.toContain('problems');
  });

  it('passes other errors through', () => {
    const error = new Error('ECONNREFUSED');
    expect(reportOnce(error, new CapturedLogs().logger())).toBe(error);
  });
});
