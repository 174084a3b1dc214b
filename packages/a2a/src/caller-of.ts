import type { RequestContext, ServerCallContext } from '@a2a-js/sdk/server';
import { AuthenticatedAgent } from './authenticated-agent.js';

/**
 * The authenticated caller of an A2A request, from an executor's `RequestContext` (or a
 * `ServerCallContext`); undefined when the request did not pass an `A2AGuard`.
 *
 * @example
 * ```ts
 * const executor: AgentExecutor = { execute: async (ctx, bus) => { const caller = callerOf(ctx); const d = caller?.delegation; … }, cancelTask: async () => {} };
 * ```
 */
export function callerOf(context: RequestContext | ServerCallContext | undefined): AuthenticatedAgent | undefined {
  const call = context !== undefined && 'userMessage' in context ? context.context : context;
  const user = call?.user;
  return user instanceof AuthenticatedAgent ? user : undefined;
}
