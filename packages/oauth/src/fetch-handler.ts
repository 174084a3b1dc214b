import type { TokenService } from './token-service.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/**
 * A Fetch-API handler (`Request → Response`) for a {@link TokenService}: `POST /token`
 * (form-encoded, RFC 6749 §3.2), `GET /.well-known/oauth-authorization-server` (RFC
 * 8414) and `GET /jwks.json`, at the paths of the service's issuer URL; anything else is
 * 404. Token responses are never cached (`Cache-Control: no-store`).
 *
 * @example
 * ```ts
 * const handle = tokenServiceFetchHandler(service);
 * Deno.serve(handle); // or Bun.serve({ fetch: handle }), or @agent-id/oauth/node
 * ```
 */
export function tokenServiceFetchHandler(service: TokenService): (request: Request) => Promise<Response> {
  const { pathname: tokenPath } = new URL(service.tokenEndpoint);
  const { pathname: jwksPath } = new URL(service.jwksUri);
  const issuer = new URL(service.issuer);
  // RFC 8414 §3: the well-known segment goes between the host and the issuer's path.
  const metadataPath = `/.well-known/oauth-authorization-server${issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '')}`;
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === metadataPath && request.method === 'GET') return json(200, service.metadata());
    if (pathname === jwksPath && request.method === 'GET') return json(200, service.jwks());
    if (pathname !== tokenPath) return json(404, { error: 'not_found' });
    if (request.method !== 'POST') return json(405, { error: 'invalid_request', error_description: 'the token endpoint takes POST' }, { allow: 'POST' });
    const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      return json(400, { error: 'invalid_request', error_description: 'the body must be application/x-www-form-urlencoded', code: 'malformed_input', check: 'content_type' }, NO_STORE);
    }
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > 65_536) return json(413, { error: 'invalid_request', error_description: 'the body is too large', code: 'input_too_large', check: 'body' }, NO_STORE);
    const body = await request.text();
    const dpop = request.headers.get('dpop');
    // Fetch joins repeated headers with ", ": a proof holds no comma, so one means several were sent.
    const result = await service.exchange({ body, dpop: dpop === null ? undefined : dpop.includes(',') ? dpop.split(',') : dpop });
    return result.ok ? json(200, result.body, NO_STORE) : json(result.status, result.body, NO_STORE);
  };
}
