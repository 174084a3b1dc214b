import express, { type Router } from 'express';
import { isRecord } from '@agent-id/core/internal';
import type { HttpAllow, HttpGuard, MappedRequest, RequestMapper } from '@agent-id/http';
import { guardedRequestOf } from '@agent-id/http/node';
import type { ToolDecision } from './tool-client.js';

/** Produces the tool's output for an allowed request. */
export type ToolHandler = (decision: HttpAllow) => unknown;

/**
 * The demo's tool API: `POST <mount>/call` with a JSON body `{action, resource}` asks for one
 * action on one resource; the task comes from the token. A request maps to exactly what its
 * body names: nothing else reaches the guard.
 */
export const toolCallMapper: RequestMapper = (request): MappedRequest | undefined => {
  if (request.method !== 'POST' || !request.path.endsWith('/call')) return undefined;
  const body = request.body;
  if (!isRecord(body) || typeof body.action !== 'string' || typeof body.resource !== 'string') return undefined;
  return { action: body.action, resource: body.resource };
};

/**
 * Express routes of a guarded tool server: the RFC 9728 metadata, and `POST /call` checked by
 * the {@link HttpGuard} in one request (token in `Authorization: DPoP`, proof in `DPoP`). The
 * answer is the guard's: on refusal its status, `WWW-Authenticate` and JSON body; the demo
 * adds the number of the audit record the server wrote and, on allow, the tool's output and
 * the verified chain, so the trace can show both sides.
 *
 * @example
 * ```ts
 * app.use('/services/tools', toolServerRouter(guard, (d) => ({ rows: lookup(d.resource) })));
 * ```
 */
export function toolServerRouter(guard: HttpGuard, handler: ToolHandler, options: { maxBodyBytes?: number } = {}): Router {
  const router = express.Router();
  router.post('/call', express.json({ limit: options.maxBodyBytes ?? 16_384 }), async (req, res) => {
    const decision = await guard.check(guardedRequestOf(req, req.body));
    if (decision.decision === 'deny') {
      res
        .status(decision.status)
        .set(decision.headers)
        .json({ ...decision.body, auditSeq: decision.entry.seq, chain: decision.entry.record.chain, onBehalfOf: decision.entry.record.onBehalfOf });
      return;
    }
    const answer: ToolDecision = {
      decision: 'allow',
      reason: decision.entry.record.reason,
      verifier: guard.resource,
      agent: decision.agent,
      operator: decision.operator,
      onBehalfOf: decision.onBehalfOf,
      chain: decision.chain,
      auditSeq: decision.entry.seq,
      result: await handler(decision),
    };
    res.status(200).json(answer);
  });
  return router;
}
