import type { AgentCard } from '@agent-id/a2a-cards';
import type { AgentIdSecurity } from './agent-id-security.js';

/**
 * A copy of `card` declaring the guard's schemes (see {@link agentIdSecurity}), replacing
 * any schemes of the same names and the card's requirements. Declare before signing the
 * card, so its signatures cover the declaration.
 *
 * @example
 * ```ts
 * const signed = signAgentCard(withAgentIdSecurity(card, guard.security()), identity);
 * ```
 */
export function withAgentIdSecurity(card: AgentCard, security: AgentIdSecurity): AgentCard {
  return {
    ...card,
    securitySchemes: { ...card.securitySchemes, ...security.securitySchemes },
    securityRequirements: security.securityRequirements.map((r) => ({ schemes: { ...r.schemes } })),
  };
}
