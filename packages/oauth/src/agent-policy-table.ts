import type { AgentPolicy, PolicySubject } from './token-service.js';

/**
 * An `agentPolicy` from a fixed table: each agent DID named in it gets its entry, and only
 * when the organisation vouching for it is one of `operators` (when given); every other
 * agent is refused (`unauthorized_client`).
 *
 * @example
 * ```ts
 * const agentPolicy = agentPolicyTable({ [orchestrator.did]: { scopes: ['orders.read'], audience: [api] } }, { operators: [acme.did] });
 * ```
 */
export function agentPolicyTable(table: Readonly<Record<string, AgentPolicy>>, options: { operators?: readonly string[] } = {}): (subject: PolicySubject) => AgentPolicy | undefined {
  const entries = new Map(Object.entries(table));
  const operators = options.operators === undefined ? undefined : new Set(options.operators);
  return ({ agent, operator }) => (operators !== undefined && !operators.has(operator) ? undefined : entries.get(agent));
}
