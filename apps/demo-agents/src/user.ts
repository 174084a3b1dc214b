import type { Clock } from '@agent-id/core';
import { type AgentIdentity, createAgentIdentity, issueOwnershipCredential } from '@agent-id/did';
import { createA2AClientFactory, dataMessage, dataOf, isMessage } from '@agent-id/a2a';
import type { CardVerifier } from './agent.js';
import type { Trace } from './trace.js';
import type { WorkOrder, WorkReport } from './work.js';

/** Sends the user's request (`what`, in words, and the work order) to the agent; resolves to its report. */
export type AskAgent = (what: string, order: WorkOrder) => Promise<WorkReport>;

/**
 * The user's side: an A2A client that verifies the agent's signed card first, then sends
 * work orders to it. The user holds no token: the agent holds the one minted for the task.
 */
export async function connectUser(user: AgentIdentity, organisation: AgentIdentity, cardUrl: string, verifyCard: CardVerifier, trace: Trace, clock: Clock): Promise<AskAgent> {
  // The user's client is an agent of its own: a did:key, vouched for by the organisation, acting for the user.
  const app = createAgentIdentity();
  const credential = await issueOwnershipCredential(organisation, { agent: app.did, onBehalfOf: user.did, agentName: 'user-client', clock });
  const clients = createA2AClientFactory({ agent: { keyId: app.keyId, keyPair: app.keyPair }, credential, clock });
  const verified = await verifyCard(cardUrl);
  const agent = trace.who(verified.agentDid);
  trace.emit('card', `verified the agent card "${verified.card.name}" at ${cardUrl}: signed by ${trace.who(verified.signer)}`, {
    actor: `${trace.who(user.did)}'s client`,
    to: agent,
  });
  const client = await clients.createFromAgentCard(verified.card);
  return async (what, order) => {
    trace.emit('a2a', `(A2A SendMessage) ${what}`, { actor: trace.who(user.did), to: agent });
    const result = await client.sendMessage({ tenant: '', message: dataMessage('user', order), configuration: undefined, metadata: undefined });
    const reply = isMessage(result) ? dataOf(result) : undefined;
    if (typeof reply !== 'object' || reply === null) throw new Error(`${agent} sent no work report`);
    return reply as WorkReport;
  };
}
