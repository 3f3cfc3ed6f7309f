import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { fetchFailureHint, fetchJson } from './fetchJson';

const LIMITS = { timeoutMs: 2000, maxBytes: 1000 };

/** The error of a real fetch, and the hint the key-source warning gives for it. */
async function failureOf(url: string) {
  const error = await fetchJson(url, LIMITS).then(
    () => {
      throw new Error('expected the fetch to fail');
    },
    (e: Error) => e,
  );
  return { message: error.message, hint: fetchFailureHint(error) };
}

describe('fetchJson failures and what to check', () => {
  it('names a port nobody listens on', async () => {
    const server = createServer();
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise(r => server.close(r));
    expect(await failureOf(`http://127.0.0.1:${port}/jwks`)).toEqual({
      message: 'ECONNREFUSED',
      hint: 'nothing accepts connections there: check the port in the URL and that the provider runs',
    });
  });

  it('names a host name that does not resolve', async () => {
    // .invalid never resolves (RFC 6761), with or without a network.
    const { message, hint } = await failureOf('http://idp.gatehouse.invalid/');
    expect(message).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
    expect(hint).toContain('the host name does not resolve from the backend');
  });

  it('says what to check for answers that are not key sets', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/big') {
        res.end('x'.repeat(5000));
      } else if (req.url === '/html') {
        res.end('<html>sign in</html>');
      } else {
        res.writeHead(req.url === '/missing' ? 404 : 401);
        res.end();
      }
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await failureOf(`${base}/missing`)).hint).toContain(
        "'issuer' must be exactly the issuer the provider publishes",
      );
      expect((await failureOf(`${base}/private`)).hint).toContain(
        'key sets are public',
      );
      expect((await failureOf(`${base}/html`)).hint).toContain(
        'not a web page',
      );
      expect((await failureOf(`${base}/big`)).hint).toContain(
        'larger than any key set',
      );
    } finally {
      server.close();
    }
  });
});
