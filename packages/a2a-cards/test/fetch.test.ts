import { createDidResolver } from '@agent-id/did';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAndVerify, signAgentCard } from '../src/index.js';
import { agentCardHandler } from '../src/node.js';
import { expectCode } from '@agent-id/test-support';
import { type Domain, makeCard, startCountingServer, startDomain } from './helpers.js';

let acme: Domain;
const resolver = createDidResolver({ allowHttpLoopback: true });
const policy = () => ({ signers: [{ did: acme.org.did }] });
const opts = { allowHttpLoopback: true, timeoutMs: 1_000 };

beforeAll(async () => {
  acme = await startDomain();
  acme.server.setCard(signAgentCard(makeCard(acme.origin), acme.org));
});
afterAll(() => acme.close());

describe('fetchAndVerify', () => {
  it('serves with cache headers and answers If-None-Match with 304', async () => {
    const first = await fetch(acme.server.cardUrl);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = first.headers.get('etag')!;
    await first.text();
    const again = await fetch(acme.server.cardUrl, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await fetch(`${acme.origin}/nothing`)).status).toBe(404);
  });

  it('refuses an authentic card re-served by a host it does not name', async () => {
    const mirror = await startDomain();
    try {
      mirror.server.setCard(signAgentCard(makeCard(acme.origin), acme.org));
      await expectCode(fetchAndVerify(mirror.origin, resolver, policy(), opts), 'host_mismatch', 'card_url');
      const verdict = await fetchAndVerify(mirror.origin, resolver, policy(), { ...opts, allowForeignHost: true });
      expect(verdict.host).toBe(acme.server.authority);
    } finally {
      await mirror.close();
    }
  });

  it('refuses plain http unless loopback is allowed, and URLs with credentials', async () => {
    await expectCode(fetchAndVerify(acme.origin, resolver, policy()), 'malformed_input', 'url');
    await expectCode(fetchAndVerify('http://example.com/', resolver, policy(), opts), 'malformed_input', 'url');
    await expectCode(fetchAndVerify('ftp://127.0.0.1/', resolver, policy(), opts), 'malformed_input', 'url');
    await expectCode(fetchAndVerify(`http://u:p@${acme.server.authority}/`, resolver, policy(), opts), 'malformed_input', 'url');
    await expectCode(fetchAndVerify('not a url', resolver, policy(), opts), 'malformed_input', 'url');
  });

  it('no redirects, HTTP errors, timeouts and closed ports are unreachable (check fetch)', async () => {
    const srv = await startCountingServer((url, res) => {
      if (url.startsWith('/redirect')) res.writeHead(302, { location: acme.server.cardUrl }).end();
      else if (url.startsWith('/slow')) setTimeout(() => res.writeHead(200).end('{}'), 3_000).unref();
      else if (url.startsWith('/big')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"name":"');
        const chunk = 'x'.repeat(64 * 1024);
        let n = 0;
        const pump = () => {
          while (n++ < 40) if (!res.write(chunk)) return void res.once('drain', pump);
          res.end('"}');
        };
        pump();
      } else if (url.startsWith('/junk')) res.writeHead(200).end('<html>not json</html>');
      else res.writeHead(500).end();
    });
    try {
      await expectCode(fetchAndVerify(`${srv.origin}/redirect`, resolver, policy(), opts), 'unreachable', 'fetch');
      await expectCode(fetchAndVerify(`${srv.origin}/error`, resolver, policy(), opts), 'unreachable', 'fetch');
      await expectCode(fetchAndVerify(`${srv.origin}/slow`, resolver, policy(), { ...opts, timeoutMs: 200 }), 'unreachable', 'fetch');
      await expectCode(fetchAndVerify(`${srv.origin}/big`, resolver, policy(), opts), 'input_too_large');
      await expectCode(fetchAndVerify(`${srv.origin}/junk`, resolver, policy(), opts), 'malformed_input');
    } finally {
      await srv.close();
    }
    await expectCode(fetchAndVerify(`${srv.origin}/`, resolver, policy(), opts), 'unreachable', 'fetch');
  });

  it('a declared content-length above the limit is refused before reading', async () => {
    await expectCode(fetchAndVerify(acme.origin, resolver, policy(), { ...opts, maxCardBytes: 100 }), 'input_too_large');
  });

  it('agentCardHandler refuses a malformed card up front', () => {
    expect(() => agentCardHandler('[]')).toThrow(expect.objectContaining({ code: 'malformed_input' }));
  });
});
