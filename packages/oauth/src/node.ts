/**
 * `@agent-id/oauth/node`: serving a token service from `node:http` or Express.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenServiceFetchHandler } from './fetch-handler.js';
import type { TokenService } from './token-service.js';

const MAX_BODY = 65_536;

async function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * A `node:http` request listener (also an Express handler) serving a {@link TokenService}:
 * the routes of `tokenServiceFetchHandler`, at the public URL of the service's issuer
 * (never the `Host` header). Bodies over 64 KiB are refused with 413.
 *
 * @example
 * ```ts
 * createServer(tokenServiceNodeHandler(service)).listen(8443);
 * app.use(tokenServiceNodeHandler(service)); // Express
 * ```
 */
export function tokenServiceNodeHandler(service: TokenService): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const handle = tokenServiceFetchHandler(service);
  const origin = new URL(service.issuer).origin;
  return async (req, res) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const body = hasBody ? await readBody(req) : new Uint8Array();
    if (body === undefined) {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: 'the body is too large', code: 'input_too_large', check: 'body' }));
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    const target = typeof req.url === 'string' && req.url.startsWith('/') ? req.url : '/';
    const request = new Request(`${origin}${target}`, { method: req.method ?? 'GET', headers, ...(hasBody ? { body } : {}) });
    const response = await handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}
