import type { ErrorCode, Scope } from '@agent-id/core';
import type { TokenFormat } from '@agent-id/tokens';
import type { ToolDecision } from './lib/tool-client.js';

/**
 * The demo's work protocol, carried as the JSON data part of A2A messages: a work order
 * says which tool calls to make with the capability held for the task, and to whom to
 * delegate which narrower part of it. The reply is a {@link WorkReport}.
 */
export interface WorkOrder {
  task: string;
  calls?: ToolCallOrder[];
  delegations?: DelegationOrder[];
}

/** One tool call the receiving agent makes with its own token and key. */
export interface ToolCallOrder {
  /** Scenario step id. */
  step: string;
  /** Tool server base URL. */
  service: string;
  resource: string;
  action: string;
  /** Which held token to use when the agent holds one per format. */
  format?: TokenFormat;
}

/** One delegation: find the delegate by its signed card, narrow the token, send the work. */
export interface DelegationOrder {
  step: string;
  /** Display name of the agent the order means to reach (for the trace: its verified card decides who it is). */
  intendedDelegate: string;
  /** Where the delegate's signed A2A agent card is served. */
  cardUrl: string;
  /** `new`: attenuate a fresh hop for the delegate; `held`: send work only, it uses the token it holds. */
  handoff: 'new' | 'held';
  /** Which held token to attenuate (the orchestrator holds one per format). */
  format?: TokenFormat;
  /** What to narrow; the rest is inherited and depth goes down by one. */
  narrowing?: Partial<Omit<Scope, 'expiresAt'>>;
  /** Lifetime of the new hop from now, seconds (never beyond the parent's). */
  ttlSeconds?: number;
  order: WorkOrder;
}

export interface CallReport {
  step: string;
  service: string;
  resource: string;
  action: string;
  format?: TokenFormat;
  decision: ToolDecision;
}

export interface DelegationReport {
  step: string;
  /** Display name of the agent the order meant to reach. */
  intendedDelegate: string;
  cardUrl: string;
  outcome: 'delegated' | 'refused';
  /** Refusals: the error code and failed check. */
  code?: ErrorCode;
  check?: string;
  reason: string;
  /** The delegate's DID, as stated by its verified card. */
  delegate?: string;
  /** Who signed the delegate's card, when it verified. */
  cardSigner?: string;
  format?: TokenFormat;
  /** The scope granted by the new hop. */
  granted?: Scope;
  /** Revocation id of the new hop. */
  revocationId?: string;
  report?: WorkReport;
}

export interface WorkReport {
  agent: string;
  task: string;
  calls: CallReport[];
  delegations: DelegationReport[];
  error?: { code: ErrorCode; message: string };
}

/** What a work order asks for, in a few words: `read crm:/customers/c-42; hand work on to globex/quoter`. */
export function describeWork(order: WorkOrder): string {
  const parts = (order.calls ?? []).map((c) => `${c.action} ${c.resource}`);
  const delegates = [...new Set((order.delegations ?? []).map((d) => d.intendedDelegate))];
  if (delegates.length > 0) parts.push(`hand work on to ${delegates.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'nothing';
}
