import type { Message, SendMessageResult } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import type { AgentIdError, AuditEntry, AuditSink, Clock } from '@agent-id/core';
import { readClock } from '@agent-id/core';
import { CapabilityToken, inspectToken } from '@agent-id/tokens';
import { capabilityMetadata } from './capability-metadata.js';
import { refusalOfA2AError } from './refusal-of-a2a-error.js';

/** Options of {@link sendDelegation}. */
export interface SendDelegationOptions {
  /** The token delegated to the receiver: its last hop made by this agent, to `to`. */
  token: string | CapabilityToken;
  /** The task the token is for. */
  task: string;
  /** This agent's DID. */
  from: string;
  /** The receiving agent's DID (as its verified card states). */
  to: string;
  /** Where this agent records what it sent and how the receiver answered. */
  audit: AuditSink;
  clock?: Clock;
}

/** What {@link sendDelegation} returns: the receiver's answer and the record of it. */
export interface SentDelegation {
  result: SendMessageResult;
  entry: AuditEntry;
}

/**
 * Sends `message` with a delegated capability in its metadata (`capabilityMetadata`) over
 * an SDK client, and records the hand-over in this agent's audit sink: `allow` when the
 * receiver accepted it, `deny` with the receiver's `code` when it refused (the refusal is
 * then thrown as an `AgentIdError` with that code and check), `deny` with `unreachable`
 * when the call failed otherwise (that error is rethrown). The record names this agent,
 * the principal, the task and the chain as the token states it.
 *
 * @example
 * ```ts
 * const { result } = await sendDelegation(client, dataMessage('user', order), { token: delegated, task: 'q3', from: me.did, to: analyst.did, audit });
 * ```
 */
export async function sendDelegation(client: Client, message: Message, options: SendDelegationOptions): Promise<SentDelegation> {
  const token = typeof options.token === 'string' ? CapabilityToken.parse(options.token) : options.token;
  const view = await inspectToken(token);
  const metadata = { ...message.metadata, ...capabilityMetadata(token, options.task) };
  const record = (decision: 'allow' | 'deny', reason: string, code?: AgentIdError['code']) => ({
    timestamp: new Date(readClock(options.clock)).toISOString(),
    agent: options.from,
    onBehalfOf: view.onBehalfOf,
    task: options.task,
    action: 'delegate',
    resource: options.to,
    decision,
    reason,
    ...(code !== undefined ? { code } : {}),
    verifier: options.to,
    chain: view.chain,
  });
  let result: SendMessageResult;
  try {
    result = await client.sendMessage({ tenant: '', message: { ...message, metadata }, configuration: undefined, metadata: undefined });
  } catch (error) {
    const refusal = refusalOfA2AError(error);
    if (refusal !== undefined) {
      await options.audit.append(record('deny', `delegation refused by the receiver: ${refusal.message.slice(0, 200)} (${refusal.check})`, refusal.code));
      throw refusal;
    }
    await options.audit.append(record('deny', 'the delegation could not be delivered', 'unreachable'));
    throw error;
  }
  const entry = await options.audit.append(record('allow', 'delegation sent and accepted by the receiver'));
  return { result, entry };
}
