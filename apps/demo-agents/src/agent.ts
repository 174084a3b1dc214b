import { AgentIdError, type AuditSink, type Clock, type DelegationHop, type ErrorCode, type PublicKey, type Scope, isAgentIdError } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { type AttenuateOptions, type CapabilityToken, type TokenFormat, attenuate, inspectToken } from '@agent-id/tokens';
import type { AgentIdentity, DidResolver } from '@agent-id/did';
import type { AgentCard } from '@a2a-js/sdk';
import { type AgentExecutor, AgentEvent, DefaultRequestHandler, InMemoryTaskStore, type RequestContext } from '@a2a-js/sdk/server';
import type { ClientFactory } from '@a2a-js/sdk/client';
import { type A2AGuard, callerOf, createA2AClientFactory, dataMessage, dataOf, isMessage, sendDelegation } from '@agent-id/a2a';
import { guardedJsonRpcHandler } from '@agent-id/a2a/node';
import type { Router } from 'express';
import express from 'express';
import { invokeTool } from './lib/tool-client.js';
import { type AgentFetch, createAgentFetch } from '@agent-id/http';
import { type Trace, describeScope } from './trace.js';
import { type CallReport, type DelegationOrder, type DelegationReport, type WorkOrder, type WorkReport, describeWork } from './work.js';

/** A delegate's card after verification: who it is and why it is trusted. */
export interface VerifiedCard {
  /** The card, in the SDK's form, ready for `ClientFactory.createFromAgentCard`. */
  card: AgentCard;
  /** The agent's DID as stated in the signed card. */
  agentDid: string;
  /** DID that signed the card. */
  signer: string;
  /** Why the signer is trusted. */
  why: string;
}

/** Fetches and verifies a card under the agent's trust policy; throws a coded error. */
export type CardVerifier = (cardUrl: string) => Promise<VerifiedCard>;

export interface DemoAgentOptions {
  /** Display name, `org/agent`. */
  name: string;
  identity: AgentIdentity;
  /** Ownership credential (VC-JWT) issued by the agent's organisation. */
  credential: string;
  resolver: DidResolver;
  verifyCard: CardVerifier;
  /** Organisations whose minted tokens this agent reads (their root keys come from their DID documents). */
  tokenIssuers: readonly string[];
  clock: Clock;
  trace: Trace;
  /** Where the agent records the capabilities it hands over and how receivers answered. */
  audit: AuditSink;
}

function errorInfo(error: unknown): { code: ErrorCode; check: string; message: string } {
  if (error instanceof AgentIdError) return { code: error.code, check: error.check, message: error.message };
  return { code: 'internal', check: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** `chain acme (authority) → acme/orchestrator; acting for acme/users/alice`, or '' when the decision names no chain. */
function chainNote(trace: Trace, decision: { chain?: readonly DelegationHop[]; onBehalfOf?: string }): string {
  const names = trace.chain(decision.chain ?? []);
  return names.length === 0 ? '' : `chain ${names.join(' → ')}; acting for ${trace.who(decision.onBehalfOf)}`;
}

/**
 * One agent: an A2A server (official SDK, JSON-RPC over HTTP) whose executor carries out
 * work orders with the capability it holds for the task, and an A2A client for delegating.
 * Its tokens never leave it except as a narrower hop for a delegate.
 */
export class DemoAgent {
  readonly name: string;
  readonly did: string;
  readonly #o: DemoAgentOptions;
  /** Tokens held, by `task|format`. */
  readonly #wallet = new Map<string, string>();
  readonly #clients: ClientFactory;
  /** Presents the token of the call under way, with a fresh proof per request (and the credential on first contact). */
  readonly #fetch: AgentFetch;
  #presenting = '';
  /** Card URLs whose verification the trace has shown in full; later checks of the same card are mentioned in a word. */
  readonly #cardsShown = new Set<string>();

  constructor(options: DemoAgentOptions) {
    this.#o = options;
    this.name = options.name;
    this.did = options.identity.did;
    this.#clients = createA2AClientFactory({ agent: { keyId: options.identity.keyId, keyPair: options.identity.keyPair }, credential: options.credential, clock: options.clock });
    options.trace.name(this.did, options.name);
    this.#fetch = createAgentFetch({ agent: options.identity, credential: options.credential, token: () => this.#presenting, clock: options.clock });
  }

  /** Gives the agent a token (e.g. the one its organisation minted for a task). */
  hold(task: string, format: TokenFormat, token: string): void {
    this.#wallet.set(`${task}|${format}`, token);
  }

  /**
   * What the agent presents for a task to a client it drives itself (the MCP act's SDK
   * client): its DID URL and key, its ownership credential, and the token it holds. The
   * token is bound to this agent's key and useless without it.
   */
  presentation(task: string, format?: TokenFormat): { agent: Pick<AgentIdentity, 'keyId' | 'keyPair'>; credential: string; token: string } | undefined {
    const held = this.#token(task, format);
    return held && { agent: { keyId: this.#o.identity.keyId, keyPair: this.#o.identity.keyPair }, credential: this.#o.credential, token: held.token };
  }

  /** What the agent shows a token service (RFC 8693) as its actor: its DID key, for the request's proof, and its ownership credential. */
  actor(): { agent: Pick<AgentIdentity, 'keyId' | 'keyPair'>; credential: string } {
    return { agent: { keyId: this.#o.identity.keyId, keyPair: this.#o.identity.keyPair }, credential: this.#o.credential };
  }

  /** Express router serving the signed card and the A2A JSON-RPC endpoint. */
  router(card: AgentCard, guard: A2AGuard): Router {
    const executor: AgentExecutor = {
      execute: async (context, bus) => {
        const report = await this.#handle(context);
        bus.publish(AgentEvent.message(dataMessage('agent', report, { contextId: context.contextId })));
        bus.finished();
      },
      cancelTask: async () => {},
    };
    const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
    const router = express.Router();
    router.use('/a2a', guardedJsonRpcHandler({ guard, requestHandler: handler }));
    return router;
  }

  async #handle(context: RequestContext): Promise<WorkReport> {
    const order = dataOf(context.userMessage);
    // The guard authenticated the caller and accepted the delegation (addressed to this agent by the caller) before this runs.
    const caller = callerOf(context);
    const delegation = caller?.delegation;
    if (!isRecord(order) || typeof order.task !== 'string') {
      return { agent: this.did, task: '', calls: [], delegations: [], error: { code: 'malformed_input', message: 'not a work order' } };
    }
    const work = order as unknown as WorkOrder;
    if (delegation) {
      if (delegation.task !== work.task) {
        return { agent: this.did, task: work.task, calls: [], delegations: [], error: { code: 'wrong_task', message: 'token is for another task' } };
      }
      this.hold(work.task, delegation.format, delegation.token.serialize());
      this.#o.trace.emit('a2a', `received a ${delegation.format} hop over A2A from ${this.#o.trace.who(caller.agent)} (task ${work.task}; caller authenticated by its proof)`, { actor: this.name });
    }
    return this.perform(work);
  }

  /** Carries out a work order: its tool calls, then its delegations. */
  async perform(order: WorkOrder): Promise<WorkReport> {
    const report: WorkReport = { agent: this.did, task: order.task, calls: [], delegations: [] };
    for (const call of order.calls ?? []) report.calls.push(await this.#call(order.task, call));
    for (const delegation of order.delegations ?? []) report.delegations.push(await this.#delegate(order.task, delegation));
    return report;
  }

  #token(task: string, format: TokenFormat | undefined): { token: string; format: TokenFormat } | undefined {
    for (const f of format ? [format] : (['biscuit', 'macaroon'] as const)) {
      const token = this.#wallet.get(`${task}|${f}`);
      if (token) return { token, format: f };
    }
    return undefined;
  }

  async #call(task: string, call: NonNullable<WorkOrder['calls']>[number]): Promise<CallReport> {
    const { trace } = this.#o;
    const held = this.#token(task, call.format);
    const base = { step: call.step, service: call.service, resource: call.resource, action: call.action };
    if (!held) {
      trace.emit('deny', `holds no token for task ${task}`, {
        actor: this.name,
        step: call.step,
        graph: { type: 'decision', decision: 'deny', chain: [this.name], code: 'denied', check: 'token_present' },
      });
      return { ...base, decision: { decision: 'deny', code: 'denied', check: 'token_present', reason: 'no token held for the task', verifier: call.service } };
    }
    // Calls are made one at a time, so the token being presented is the one for this call.
    this.#presenting = held.token;
    const decision = await invokeTool(this.#fetch, call.service, { resource: call.resource, action: call.action });
    const note = chainNote(trace, decision);
    // Audit records counted from 1, as the lines of the JSON Lines file (the record's `seq` is one less).
    const decidedBy = `${trace.who(decision.verifier)}${decision.auditSeq !== undefined ? `, audit record ${decision.auditSeq + 1}` : ''}`;
    const verdict =
      decision.decision === 'allow'
        ? `ALLOWED by ${decidedBy}${note ? ` (${note})` : ''}`
        : `REFUSED by ${decidedBy}: ${decision.code} (${decision.reason})${note ? `; ${note}` : ''}`;
    trace.emit(decision.decision === 'allow' ? 'allow' : 'deny', `${call.action} ${call.resource} with its ${held.format} token → ${verdict}`, {
      actor: this.name,
      step: call.step,
      graph: trace.decision(this.name, decision),
    });
    return { ...base, format: held.format, decision };
  }

  /** Root keys of the token issuers, from their DID documents (cached by the resolver). */
  async #roots(): Promise<PublicKey[]> {
    const keys: PublicKey[] = [];
    for (const issuer of this.#o.tokenIssuers) {
      const doc = await this.#o.resolver.resolve(issuer);
      for (const ref of doc.assertionMethod ?? []) {
        const id = typeof ref === 'string' ? ref : ref.id;
        keys.push((await this.#o.resolver.resolveKey(id.startsWith('#') ? `${issuer}${id}` : id, 'assertionMethod')).publicKey);
      }
    }
    return keys;
  }

  async #delegate(task: string, d: DelegationOrder): Promise<DelegationReport> {
    const { trace } = this.#o;
    const parties = { actor: this.name, to: d.intendedDelegate, step: d.step };
    const refuse = (error: unknown, why: string, extra: Partial<DelegationReport> = {}): DelegationReport => {
      const info = errorInfo(error);
      trace.emit('refuse', `delegation REFUSED${why}: ${info.code} (${info.check}: ${info.message})`, {
        ...parties,
        graph: { type: 'refuse', from: this.name, to: parties.to, code: info.code, check: info.check },
      });
      return { step: d.step, intendedDelegate: d.intendedDelegate, cardUrl: d.cardUrl, outcome: 'refused', code: info.code, check: info.check, reason: info.message, ...extra };
    };
    let verified: VerifiedCard;
    try {
      verified = await this.#o.verifyCard(d.cardUrl);
    } catch (error) {
      return refuse(error, `, its card at ${d.cardUrl} (served by ${trace.whereIs(d.cardUrl)}) failed verification`);
    }
    parties.to = trace.who(verified.agentDid);
    const firstCheck = !this.#cardsShown.has(d.cardUrl);
    if (firstCheck) {
      this.#cardsShown.add(d.cardUrl);
      trace.emit('card', `verified the agent card "${verified.card.name}" at ${d.cardUrl}: signed by ${trace.who(verified.signer)}, ${verified.why}`, parties);
    }
    const cardChecked = firstCheck ? '' : ' (its card verified again)';
    const base: Partial<DelegationReport> = { delegate: verified.agentDid, cardSigner: verified.signer };
    let handed: CapabilityToken | undefined;
    let granted: Scope | undefined;
    let revocationId: string | undefined;
    let format: TokenFormat | undefined;
    if (d.handoff === 'new') {
      const held = this.#token(task, d.format);
      if (!held) return refuse(new AgentIdError('denied', `holds no token for task ${task}`, { check: 'token_present' }), '', base);
      format = held.format;
      try {
        const roots = await this.#roots();
        const view = await inspectToken(held.token, { trustedRoots: roots });
        const parent = view.chain.at(-1)!.granted;
        const narrowing: Partial<Scope> = { ...d.narrowing };
        if (d.ttlSeconds !== undefined) narrowing.expiresAt = Math.min(parent.expiresAt, Math.floor(this.#o.clock() / 1000) + d.ttlSeconds);
        const options: AttenuateOptions = { to: verified.agentDid, narrowing, signer: this.#o.identity.keyPair, trustedRoots: roots };
        const next = await attenuate(held.token, options);
        const nextView = await inspectToken(next, { trustedRoots: roots });
        granted = nextView.chain.at(-1)!.granted;
        revocationId = nextView.blocks.at(-1)?.revocationId;
        handed = next;
        const lifetime = d.ttlSeconds !== undefined ? `, valid ${d.ttlSeconds} s` : '';
        trace.emit('delegate', `new ${held.format} hop, made offline and signed by ${this.name}${cardChecked}: ${describeScope(parent)} ⟶ ${describeScope(granted)}${lifetime}`, {
          ...parties,
          graph: { type: 'delegate', from: this.name, to: parties.to, format: held.format, scope: describeScope(granted) },
        });
      } catch (error) {
        return refuse(error, '', { ...base, format: held.format });
      }
    } else {
      trace.emit('a2a', `carry on with the token already held${cardChecked}: ${describeWork(d.order)}`, parties);
    }
    const client = await this.#clients.createFromAgentCard(verified.card);
    let result: Awaited<ReturnType<typeof client.sendMessage>>;
    try {
      const message = dataMessage('user', d.order);
      result = handed
        ? (await sendDelegation(client, message, { token: handed, task, from: this.did, to: verified.agentDid, audit: this.#o.audit, clock: this.#o.clock })).result
        : await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined });
    } catch (error) {
      if (!isAgentIdError(error)) throw error;
      return refuse(error, ` by ${trace.who(verified.agentDid)}`, { ...base, ...(format ? { format } : {}) });
    }
    const reply = isMessage(result) ? dataOf(result) : undefined;
    const delegated: DelegationReport = {
      step: d.step,
      intendedDelegate: d.intendedDelegate,
      cardUrl: d.cardUrl,
      outcome: 'delegated',
      reason: d.handoff === 'new' ? 'card verified, narrower token handed over A2A' : 'card verified, work sent over A2A for the token already held',
      ...base,
    };
    if (format) delegated.format = format;
    if (granted) delegated.granted = granted;
    if (revocationId) delegated.revocationId = revocationId;
    if (isRecord(reply)) delegated.report = reply as unknown as WorkReport;
    return delegated;
  }
}
