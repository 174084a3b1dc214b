/**
 * Node adapters of `@agent-id/http`: `node:http` handlers and Express middleware.
 *
 * @module node
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody } from './json-body.js';
import type { GuardedRequest, HttpAllow, HttpDecision, HttpGuard } from './guard.js';

/** Options of {@link guardNodeHandler} and {@link guardExpress}. */
export interface GuardNodeOptions {
  /** Read a JSON body of at most this many bytes for the guard's mapper (`req.body` is set to it). Default 0: not read. */
  maxJsonBodyBytes?: number;
}

/** The request target as the client sent it: Express rewrites `url` below a mount point and keeps the original in `originalUrl`. */
function targetOf(req: IncomingMessage): string {
  const original = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  return typeof original === 'string' ? original : (req.url ?? '/');
}

/**
 * An `IncomingMessage` (or an Express request, by its `originalUrl`) as the guard reads it.
 * @example
 * ```ts
 * const decision = await guard.check(guardedRequestOf(req, req.body));
 * ```
 */
export function guardedRequestOf(req: IncomingMessage, body?: unknown): GuardedRequest {
  const headers = req.headersDistinct;
  return {
    method: req.method ?? 'GET',
    target: targetOf(req),
    header: (name) => {
      const values = headers[name];
      if (values === undefined || values.length === 0) return undefined;
      return values.length === 1 ? values[0] : values;
    },
    ...(body !== undefined ? { body } : {}),
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

/** Serves metadata or runs the guard; returns the decision, or undefined when it answered the request itself. */
async function run(guard: HttpGuard, metadataPath: string, req: IncomingMessage, res: ServerResponse, options: GuardNodeOptions, preParsed?: unknown): Promise<HttpAllow | undefined> {
  const path = targetOf(req).split('?')[0];
  if (path === metadataPath && (req.method === 'GET' || req.method === 'HEAD')) {
    send(res, 200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }, guard.metadata());
    return undefined;
  }
  let body = preParsed;
  const max = options.maxJsonBodyBytes ?? 0;
  if (body === undefined && max > 0) {
    const read = await readJsonBody(req, req.headers['content-length'], { maxBytes: max });
    if (!read.ok) {
      send(res, read.status, { 'content-type': 'application/json' }, { error: 'invalid_request', error_description: read.message, code: read.code, check: read.check });
      return undefined;
    }
    body = read.json;
    (req as IncomingMessage & { body?: unknown }).body = body;
  }
  const decision: HttpDecision = await guard.check(guardedRequestOf(req, body));
  if (decision.decision === 'deny') {
    send(res, decision.status, decision.headers, decision.body);
    return undefined;
  }
  return decision;
}

/**
 * A `node:http` request listener: serves the RFC 9728 metadata, runs the guard on every
 * other request, answers refusals itself and calls `handler` for allowed ones.
 *
 * @example
 * ```ts
 * createServer(guardNodeHandler(guard, (req, res, d) => res.end(JSON.stringify({ for: d.onBehalfOf })))).listen(0, '127.0.0.1');
 * ```
 */
export function guardNodeHandler(
  guard: HttpGuard,
  handler: (req: IncomingMessage, res: ServerResponse, decision: HttpAllow) => unknown,
  options: GuardNodeOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const metadataPath = new URL(guard.metadataUrl).pathname;
  return (req, res) => {
    run(guard, metadataPath, req, res, options)
      .then(async (decision) => {
        if (decision) await handler(req, res, decision);
      })
      .catch(() => {
        if (!res.headersSent) send(res, 500, { 'content-type': 'application/json' }, { error: 'server_error', code: 'internal', check: 'internal' });
        else res.destroy();
      });
  };
}

/** What {@link guardExpress} leaves for the route: `res.locals.agentId`. */
export interface GuardLocals {
  agentId: HttpAllow;
}

/**
 * Express (4 or 5) middleware: serves the metadata, refuses what the guard refuses, and
 * puts the allowed decision in `res.locals.agentId` for the route. Uses `req.body` when an
 * earlier body parser set it.
 *
 * @example
 * ```ts
 * app.use(guardExpress(guard));
 * app.get('/orders/:id', (req, res) => res.json({ for: res.locals.agentId.onBehalfOf }));
 * ```
 */
export function guardExpress(
  guard: HttpGuard,
  options: GuardNodeOptions = {},
): (req: IncomingMessage & { body?: unknown }, res: ServerResponse & { locals: Record<string, unknown> }, next: (error?: unknown) => void) => void {
  const metadataPath = new URL(guard.metadataUrl).pathname;
  return (req, res, next) => {
    run(guard, metadataPath, req, res, options, req.body)
      .then((decision) => {
        if (decision === undefined) return;
        res.locals.agentId = decision;
        next();
      })
      .catch(next);
  };
}
