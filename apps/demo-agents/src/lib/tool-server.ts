import express, { type Router } from 'express';
import { isRecord } from '@agent-id/core/internal';
import type { GuardDecision, ResourceGuard } from '@agent-id/tokens';
import type { ToolDecision, ToolRequest } from './tool-client.js';

/** Produces the tool's output for an allowed request. */
export type ToolHandler = (request: ToolRequest, decision: GuardDecision) => unknown | Promise<unknown>;

/**
 * Express routes of a guarded tool server: `POST /challenge` hands out a one-time challenge,
 * `POST /invoke` takes `{presentation, token, request}`, runs {@link ResourceGuard.check}
 * and, only when allowed, the tool. Bodies are size-limited before parsing.
 *
 * @example
 * ```ts
 * app.use('/services/tools', toolServerRouter(guard, (req) => ({ rows: lookup(req.resource) })));
 * ```
 */
export function toolServerRouter(guard: ResourceGuard, handler: ToolHandler, options: { maxBodyBytes?: number } = {}): Router {
  const router = express.Router();
  router.post('/challenge', (_req, res) => {
    res.json(guard.issueChallenge());
  });
  router.post('/invoke', express.json({ limit: options.maxBodyBytes ?? 65_536 }), async (req, res) => {
    const body: unknown = req.body;
    const input = isRecord(body) ? body : {};
    const decision = await guard.check({ presentation: input.presentation, token: input.token, request: input.request });
    const { entry: _entry, ...answer } = decision;
    if (decision.decision === 'deny') {
      res.status(403).json(answer satisfies ToolDecision);
      return;
    }
    const result = await handler(input.request as ToolRequest, decision);
    res.status(200).json({ ...answer, result } satisfies ToolDecision);
  });
  return router;
}
