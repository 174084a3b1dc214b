/**
 * Node (Express) side of `@agent-id/a2a`: the SDK's JSON-RPC handler behind an `A2AGuard`,
 * and the endpoint's RFC 9728 metadata.
 *
 * @module node
 */
import type { IncomingMessage } from 'node:http';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import { jsonRpcHandler } from '@a2a-js/sdk/server/express';
import { guardedRequestOf } from '@agent-id/http/node';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import type { A2AGuard } from './a2a-guard.js';
import type { AuthenticatedAgent } from './authenticated-agent.js';

/** Options of {@link guardedJsonRpcHandler}. */
export interface GuardedJsonRpcOptions {
  guard: A2AGuard;
  /** The SDK's request handler (e.g. `new DefaultRequestHandler(card, taskStore, executor)`). */
  requestHandler: A2ARequestHandler;
  /** Largest JSON body read, bytes. Default 1 MiB; larger is refused 413 `input_too_large`. */
  maxBodyBytes?: number;
}

function plain(status: number, code: string, description: string): { status: number; body: Record<string, string> } {
  return { status, body: { error: 'invalid_request', error_description: description, code, check: 'body' } };
}

/**
 * Express middleware serving the A2A JSON-RPC binding with the official SDK's
 * `jsonRpcHandler`, every request first checked by `guard` (see `A2AGuard`): refusals are
 * answered here; allowed requests reach the SDK with the caller as `context.user` (read it
 * with `callerOf`). Mount it at the path of the endpoint the guard names.
 *
 * @example
 * ```ts
 * app.use('/a2a', guardedJsonRpcHandler({ guard, requestHandler: new DefaultRequestHandler(card, new InMemoryTaskStore(), executor) }));
 * ```
 */
export function guardedJsonRpcHandler(options: GuardedJsonRpcOptions): Router {
  const { guard } = options;
  const callers = new WeakMap<IncomingMessage, AuthenticatedAgent>();
  const limit = options.maxBodyBytes ?? 1_048_576;
  const router = express.Router();
  router.use(express.json({ limit, type: () => true }));
  const bodyErrors: ErrorRequestHandler = (error: { type?: unknown }, _req, res, next) => {
    if (error?.type === 'entity.too.large') {
      const r = plain(413, 'input_too_large', `the body is larger than ${limit} bytes`);
      res.status(r.status).json(r.body);
    } else if (error?.type === 'entity.parse.failed' || error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') {
      const r = plain(400, 'malformed_input', 'the body is not JSON');
      res.status(r.status).json(r.body);
    } else next(error);
  };
  router.use(bodyErrors);
  const check: RequestHandler = (req, res, next) => {
    // Express strips the mount path from `req.url`; the proof signs the full URL.
    guard
      .check({ ...guardedRequestOf(req, req.body), target: req.originalUrl })
      .then((decision) => {
        if (decision.decision === 'deny') {
          res.status(decision.status).set(decision.headers).send(JSON.stringify(decision.body));
          return;
        }
        callers.set(req, decision.caller);
        next();
      })
      .catch(() => {
        if (!res.headersSent) res.status(500).json({ error: 'server_error', code: 'internal', check: 'internal' });
      });
  };
  router.use(check);
  router.use(
    jsonRpcHandler({
      requestHandler: options.requestHandler,
      userBuilder: async (req) => {
        const caller = callers.get(req);
        // Unreachable through this router: every request passed the guard above.
        if (caller === undefined) throw new Error('request did not pass the A2A guard');
        return caller;
      },
    }),
  );
  return router;
}

/**
 * Express middleware serving the endpoint's RFC 9728 protected-resource metadata at the
 * URL the guard's challenges name (`/.well-known/oauth-protected-resource/<endpoint path>`);
 * mount it at the application's root.
 *
 * @example
 * ```ts
 * app.use(resourceMetadataHandler(guard));
 * ```
 */
export function resourceMetadataHandler(guard: A2AGuard): RequestHandler {
  const path = new URL(guard.metadataUrl).pathname;
  return (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.originalUrl.split('?')[0] === path) {
      res.status(200).set({ 'content-type': 'application/json', 'cache-control': 'max-age=300' }).send(JSON.stringify(guard.metadata()));
      return;
    }
    next();
  };
}
