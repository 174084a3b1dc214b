import {
  type AuditEntry,
  type AuditSink,
  type CapabilityRequest,
  type Clock,
  type DelegationHop,
  type ErrorCode,
  MalformedInputError,
  readClockTolerance,
  systemClock,
} from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { type Challenge, ChallengeStore, type DidResolver, type StatusListResolver, verifyProofOfControl } from '@agent-id/did';
import { authorize } from './authorize.js';
import type { TokenLimits } from './limits.js';
import type { RevocationStore } from './revocation.js';
import type { AuthorizeOptions } from './authorize.js';
import type { MacaroonRootSecret, TrustedRoots } from './roots.js';
import { UNVERIFIED, refusalOf, refusalRecord } from './refusal-record.js';

/** Options of {@link ResourceGuard}. */
export interface ResourceGuardOptions {
  /** The service's own DID: the audience tokens and presentations must name. */
  service: string;
  resolver: DidResolver;
  /** Organisations whose agent ownership credentials are accepted from presenters. */
  trustedIssuers: readonly string[];
  /** Biscuit root public keys accepted (one per trusted minting organisation). */
  trustedRoots?: TrustedRoots;
  /** Macaroon root secrets shared with the minting organisation. */
  rootSecrets?: readonly MacaroonRootSecret[];
  /** Consulted on every call. */
  revocations?: RevocationStore;
  /** Status lists of presenters' ownership credentials that carry one (see `verifyProofOfControl`). */
  statusLists?: StatusListResolver;
  /** Every decision, allow or deny, is appended here. */
  audit: AuditSink;
  /**
   * Time of challenges, proofs, decisions and records. Default: system clock. One giving no
   * usable time is `bad_clock`: thrown by the constructor, and by `check` (no record can be
   * dated with it), never turned into a decision.
   */
  clock?: Clock;
  /** Tolerated clock skew for hop issue times, seconds (see `AuthorizeOptions.clockToleranceSec`). Default 60; an unusable one is `bad_clock` at construction. */
  clockToleranceSec?: number;
  /** Lifetime of a challenge, ms. Default 60,000. */
  challengeTtlMs?: number;
  /** Token limits passed to `authorize` (size, blocks, Datalog run limits). */
  limits?: Partial<TokenLimits>;
  /** Biscuit: also run biscuit-wasm's Datalog authorizer (see `AuthorizeOptions.datalog`). Default false. */
  datalog?: boolean;
}

/** What an agent asks a guarded service to do. */
export interface GuardRequest {
  resource: string;
  action: string;
  task: string;
}

/** A guard decision: what {@link ResourceGuard.check} returns and audits. */
export interface GuardDecision {
  decision: 'allow' | 'deny';
  /** Error code of a refusal. */
  code?: ErrorCode;
  /** The check that failed. */
  check?: string;
  /** Why: the audit record's reason, word for word. */
  reason: string;
  /** DID of the service that decided. */
  verifier: string;
  /** The agent that acted (verified by proof of control). */
  agent?: string;
  /** On allow: the organisation whose ownership credential vouched for the agent. */
  operator?: string;
  /** The user or organisation it acted for (from the verified token). */
  onBehalfOf?: string;
  /** Delegation chain, authority first: on allow fully authorized; on deny, signature- and narrowing-verified, or empty. */
  chain?: DelegationHop[];
  /** Sequence number of the audit entry written for it. */
  auditSeq?: number;
  /** The audit entry written for it. */
  entry: AuditEntry;
}

function parseRequest(value: unknown): GuardRequest {
  if (!isRecord(value)) throw new MalformedInputError('request is not an object', { check: 'request' });
  const { resource, action, task } = value;
  if (typeof resource !== 'string' || typeof action !== 'string' || typeof task !== 'string') {
    throw new MalformedInputError('request needs string resource, action and task', { check: 'request' });
  }
  if (resource.length > 1024 || action.length > 128 || task.length > 256) throw new MalformedInputError('request field too long', { check: 'request' });
  return { resource, action, task };
}

/**
 * The check a tool/resource server runs on every call, as one step:
 *
 * 1. **who is calling** — a proof of control answering a one-time challenge this guard
 *    issued, signed by the agent's DID key, carrying an ownership credential from a trusted
 *    organisation, and bound to this very request (`verifyProofOfControl` from `@agent-id/did`);
 * 2. **what it may do** — the capability token is verified against the trusted roots,
 *    every hop re-checked, the proven agent must be its final holder, the request must be
 *    within every hop, this service must be the audience, nothing in it revoked
 *    (`authorize` from `@agent-id/tokens`);
 * 3. **record** — an audit record naming both principals (the user/org it acts for and the
 *    agent that acted), the task and the whole chain is appended, for allow and deny alike:
 *    `authorize`'s allow record, or `refusalRecord`'s, so the log reads the same as any
 *    other verifier's for the same decision, and a refused token is verified only once.
 *
 * @example
 * ```ts
 * const guard = new ResourceGuard({ service: tools.did, resolver, trustedIssuers: [acme.did], trustedRoots: [acme.keyPair.publicKey], revocations, audit });
 * const challenge = guard.issueChallenge();               // → agent
 * const decision = await guard.check({ presentation, token, request });
 * ```
 */
export class ResourceGuard {
  readonly service: string;
  readonly challenges: ChallengeStore;
  readonly #options: ResourceGuardOptions;
  readonly #clock: Clock;

  constructor(options: ResourceGuardOptions) {
    this.#options = options;
    this.service = options.service;
    this.#clock = options.clock ?? systemClock;
    // Refused here (bad_clock), not turned into a deny on every call.
    readClockTolerance(options.clockToleranceSec, 60);
    this.challenges = new ChallengeStore({ audience: options.service, clock: this.#clock, ttlMs: options.challengeTtlMs ?? 60_000 });
  }

  /** A fresh one-time challenge for a caller to sign. */
  issueChallenge(): Challenge {
    return this.challenges.issue();
  }

  /**
   * Verifies presenter and token for one request, audits the decision, and returns it.
   * Never throws for bad input: a refusal is a `deny` decision with a code. It throws only
   * when it cannot record a decision: the audit sink fails, or its own clock gives no
   * usable time (`bad_clock`).
   */
  async check(input: { presentation: unknown; token: unknown; request: unknown }): Promise<GuardDecision> {
    const o = this.#options;
    let request: GuardRequest | undefined;
    let agent: string | undefined;
    try {
      request = parseRequest(input.request);
      if (typeof input.token !== 'string') throw new MalformedInputError('token is not a string', { check: 'token' });
      const who = await verifyProofOfControl(input.presentation, o.resolver, {
        challenges: this.challenges,
        trustedIssuers: o.trustedIssuers,
        clock: this.#clock,
        request,
        ...(o.statusLists ? { statusLists: o.statusLists } : {}),
      });
      agent = who.agent;
      const capabilityRequest: CapabilityRequest = { resource: request.resource, action: request.action, audience: this.service, task: request.task };
      const options: AuthorizeOptions = { request: capabilityRequest, presenter: who.agent, clock: this.#clock };
      if (o.trustedRoots) options.trustedRoots = o.trustedRoots;
      if (o.datalog) options.datalog = true;
      if (o.rootSecrets) options.rootSecrets = o.rootSecrets;
      if (o.revocations) options.revocations = o.revocations;
      if (o.limits) options.limits = o.limits;
      if (o.clockToleranceSec !== undefined) options.clockToleranceSec = o.clockToleranceSec;
      const verified = await authorize(input.token, options);
      // authorize's own record: the same words as any verifier's record of this decision.
      const entry = await o.audit.append(verified.record);
      return {
        decision: 'allow',
        reason: verified.record.reason,
        verifier: this.service,
        agent: who.agent,
        operator: who.operator,
        onBehalfOf: verified.onBehalfOf,
        chain: verified.chain,
        auditSeq: entry.seq,
        entry,
      };
    } catch (error) {
      const { code, check } = refusalOf(error);
      // A refusal by authorize carries what it verified: the token is not verified again.
      const record = await refusalRecord(
        { token: input.token, error, verifier: this.service, ...(agent !== undefined ? { agent } : {}), ...(request ? { request } : {}) },
        { trustedRoots: o.trustedRoots ?? [], rootSecrets: o.rootSecrets ?? [], clock: this.#clock, ...(o.limits ? { limits: o.limits } : {}) },
      );
      const entry = await o.audit.append(record);
      const decision: GuardDecision = { decision: 'deny', code, check, reason: record.reason, verifier: this.service, chain: record.chain, auditSeq: entry.seq, entry };
      if (agent !== undefined) decision.agent = agent;
      if (record.onBehalfOf !== UNVERIFIED) decision.onBehalfOf = record.onBehalfOf;
      return decision;
    }
  }
}
