import type { ConsentStore } from './token-service.js';

/** One recorded consent: the user (identity provider and subject), the agent, the scope names. */
export interface ConsentRecord {
  issuer: string;
  subject: string;
  agent: string;
  scopes: readonly string[];
}

/**
 * A {@link ConsentStore} over a fixed list of consent records (a file the service reads at
 * start): a user with no record for an agent has consented to nothing for it.
 *
 * @example
 * ```ts
 * const consents = consentTable([{ issuer: 'https://login.acme.example', subject: 'alice', agent: orchestrator.did, scopes: ['orders.read'] }]);
 * ```
 */
export function consentTable(records: readonly ConsentRecord[]): ConsentStore {
  const byKey = new Map<string, readonly string[]>();
  for (const r of records) byKey.set(JSON.stringify([r.issuer, r.subject, r.agent]), [...r.scopes]);
  return { consented: (user, agent) => byKey.get(JSON.stringify([user.issuer, user.subject, agent])) };
}
