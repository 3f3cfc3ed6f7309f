import { MAX_JWT_LENGTH } from './JwtDecoder';
import { jwksRejections, whoami } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';

const b64 = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** The largest unsigned token whose claim `name` is `prefix` + `fill` repeated. */
function largestUnsignedToken(
  claims: Record<string, unknown>,
  name: string,
  prefix: string,
  fill: string,
): string {
  const header = b64({ alg: 'RS256', kid: 'whatever' });
  const step = Math.max(1, Math.floor(32 / fill.length));
  let token = '';
  for (let repeats = step; ; repeats += step) {
    const payload = { ...claims, [name]: prefix + fill.repeat(repeats) };
    const candidate = `${header}.${b64(payload)}.AAAA`;
    if (candidate.length > MAX_JWT_LENGTH) return token;
    token = candidate;
  }
}

/**
 * Claim patterns run on the unverified payload, before any signature check,
 * so an unauthenticated caller chooses the value. With a backtracking
 * matcher, patterns of three or more stars took seconds per token of a few
 * KB and stalled every request of the backend.
 */
describe('gatehouse-jwks claim wildcards against unauthenticated CPU exhaustion', () => {
  let idp: TestIdentityProvider;
  let backend: GatehouseTestBackend;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-jwks',
          options: {
            issuer: idp.issuer,
            audience: 'backstage-api',
            claims: {
              sub: 'repo:*:*:*:main',
              job_workflow_ref: '*/*/.github/workflows/*.yml@*',
            },
          },
        },
      ],
    });
  });

  afterAll(async () => {
    await backend.stop();
    await idp.stop();
  });

  it('answers 8 KiB unsigned tokens against multi-star patterns at once, without delaying a valid request', async () => {
    const valid = await idp.getToken({
      claims: {
        sub: 'repo:my-org:my-repo:ref:main',
        job_workflow_ref:
          'my-org/my-repo/.github/workflows/deploy.yml@refs/heads/main',
      },
    });
    expect((await whoami(backend, valid)).status).toBe(200);

    const claims = {
      iss: idp.issuer,
      aud: 'backstage-api',
      exp: Math.floor(Date.now() / 1000) + 300,
    };
    const hostile = [
      // Fails only at the end: every split of the colons is a candidate.
      largestUnsignedToken(claims, 'sub', 'repo:', ':'),
      largestUnsignedToken(
        { ...claims, sub: 'repo:a:b:c:main' },
        'job_workflow_ref',
        '',
        '/',
      ),
      largestUnsignedToken(
        { ...claims, sub: 'repo:a:b:c:main' },
        'job_workflow_ref',
        '',
        '/.github/workflows/',
      ),
    ];
    for (const token of hostile) {
      expect(token.length).toBeGreaterThan(MAX_JWT_LENGTH - 100);
    }

    const started = Date.now();
    const timed = async (token: string) => {
      const response = await whoami(backend, token);
      return { status: response.status, ms: Date.now() - started };
    };
    // The valid request goes out last, behind the hostile ones.
    const results = await Promise.all([
      ...hostile.map(timed),
      ...hostile.map(timed),
      timed(valid),
    ]);
    const validResult = results[results.length - 1];
    expect(results.slice(0, -1).map(r => r.status)).toEqual(
      Array(hostile.length * 2).fill(401),
    );
    expect(validResult.status).toBe(200);
    // With the backtracking matcher, the first token alone took minutes.
    // A second is far above what the scan needs on the slowest CI machine.
    expect(Math.max(...results.map(r => r.ms))).toBeLessThan(1000);
    expect(jwksRejections(backend).slice(-hostile.length * 2)).toEqual(
      Array(hostile.length * 2).fill('claim_mismatch'),
    );
  });
});
