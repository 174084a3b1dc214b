import type { Clock } from '@agent-id/core';
import { type TrustPolicy, fetchAndVerify } from '@agent-id/a2a-cards';
import type { DidResolver } from '@agent-id/did';
import { AgentCard } from '@a2a-js/sdk';
import type { CardVerifier, VerifiedCard } from './agent.js';
import type { Org } from './org.js';
import type { Trace } from './trace.js';

/**
 * The card trust policy of an organisation: cards signed by itself or by the partners it
 * names, each signer only for its own host, carrying an ownership credential from one of
 * them that names the agent's DID and whose status (the issuer's revocation list) is checked.
 */
export function cardTrustPolicy(org: Org, trusted: readonly Org[], clock: Clock): TrustPolicy {
  return {
    signers: trusted.map((t) => ({ did: t.authority.did, label: `${t.name}: ${t === org ? 'own' : 'partner'} organisation` })),
    ownership: { trustedIssuers: trusted.map((t) => t.authority.did), clock, statusLists: org.statusLists },
  };
}

/** Fetches a card and verifies it under `policy`; throws the coded error of the first failed check. */
export function cardVerifier(policy: TrustPolicy, resolver: DidResolver, trace: Trace): CardVerifier {
  return async (url: string): Promise<VerifiedCard> => {
    const verdict = await fetchAndVerify(url, resolver, policy, { allowHttpLoopback: true, timeoutMs: 3_000 });
    const agentDid = verdict.ownership?.agent;
    if (!agentDid) throw new Error('card verified without an ownership credential');
    const signer = verdict.signers.find((s) => s.did?.startsWith('did:web:')) ?? verdict.signers[0]!;
    return {
      card: AgentCard.fromJSON(verdict.card),
      agentDid,
      // The policy names DID signers only, so the signer has a DID.
      signer: signer.did ?? signer.keyId,
      why: `trusted by rule "${signer.rule}" for host ${verdict.host ?? '?'}; ownership credential from ${trace.who(verdict.ownership?.issuer)}`,
    };
  };
}
