import { readJsonBody } from './json-body.js';
import type { HttpAllow, HttpGuard, GuardedRequest, HttpDecision } from './guard.js';

/** Options of {@link guardFetchHandler}. */
export interface GuardFetchOptions {
  /**
   * Read a JSON body (of at most this many bytes) for the guard's mapper, e.g. to map a
   * JSON-RPC call. Default 0: the body is not read. A larger body is refused with 413.
   */
  maxJsonBodyBytes?: number;
}

/** Handles an allowed request; `request` is the original (its body still readable). */
export type AllowedFetchHandler = (request: Request, decision: HttpAllow) => Response | Promise<Response>;

/** The JSON answer to a denied request, as a Fetch API `Response`. */
export function refusalResponse(decision: Exclude<HttpDecision, HttpAllow>): Response {
  return new Response(JSON.stringify(decision.body), { status: decision.status, headers: decision.headers });
}

function plain(status: number, code: string, description: string): Response {
  return new Response(JSON.stringify({ error: 'invalid_request', error_description: description, code, check: 'body' }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/**
 * A Fetch API handler (`Request → Response`: Hono, Deno, Bun, Workers, or Node with an
 * adapter) that serves the resource's RFC 9728 metadata and runs the {@link HttpGuard}
 * on every other request, calling `handler` only for allowed ones; refusals get the
 * guard's status, `WWW-Authenticate` and JSON body.
 *
 * @example
 * ```ts
 * const handle = guardFetchHandler(guard, async (request, d) => Response.json({ order: 42, for: d.onBehalfOf }));
 * const response = await handle(new Request('https://tools.example/orders/42', { headers }));
 * ```
 */
export function guardFetchHandler(guard: HttpGuard, handler: AllowedFetchHandler, options: GuardFetchOptions = {}): (request: Request) => Promise<Response> {
  const maxBody = options.maxJsonBodyBytes ?? 0;
  const metadataPath = new URL(guard.metadataUrl).pathname;
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === metadataPath && (request.method === 'GET' || request.method === 'HEAD')) {
      return new Response(JSON.stringify(guard.metadata()), { headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' } });
    }
    let body: unknown;
    let forward = request;
    if (maxBody > 0) {
      const read = await readJsonBody(request.body ?? [], request.headers.get('content-length'), { maxBytes: maxBody });
      if (!read.ok) return plain(read.status, read.code, read.message);
      body = read.json;
      forward = new Request(request.url, { method: request.method, headers: request.headers, ...(read.text !== '' ? { body: read.text } : {}) });
    }
    const guarded: GuardedRequest = {
      method: request.method,
      target: `${url.pathname}${url.search}`,
      header: (name) => request.headers.get(name) ?? undefined,
      ...(body !== undefined ? { body } : {}),
    };
    const decision = await guard.check(guarded);
    if (decision.decision === 'deny') return refusalResponse(decision);
    return handler(forward, decision);
  };
}
