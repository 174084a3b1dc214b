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

async function readBody(request: Request, max: number): Promise<{ text: string; json: unknown } | 'too_large' | 'malformed'> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > max) return 'too_large';
  if (request.body === null) return { text: '', json: undefined };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Not awaited: the cancel of a tee'd stream (a cloned Request) waits for the other branch.
      reader.cancel().catch(() => undefined);
      return 'too_large';
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  } catch {
    return 'malformed';
  }
}

/** The JSON answer to a denied request, as a Fetch API `Response`. */
export function refusalResponse(decision: Exclude<HttpDecision, HttpAllow>): Response {
  return new Response(JSON.stringify(decision.body), { status: decision.status, headers: decision.headers });
}

function plain(status: number, code: string, description: string): Response {
  return new Response(JSON.stringify({ error: 'invalid_request', error_description: description, code, check: 'body' }), { status, headers: { 'content-type': 'application/json' } });
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
      const read = await readBody(request, maxBody);
      if (read === 'too_large') return plain(413, 'input_too_large', `the body is larger than ${maxBody} bytes`);
      if (read === 'malformed') return plain(400, 'malformed_input', 'the body is not JSON');
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
