import {
  AgentIdError,
  type AuditEntry,
  type AuditRecord,
  type AuditSink,
  type Clock,
  DeniedError,
  MalformedInputError,
  RevokedError,
  SignatureRequiredError,
  canonicalResourcePath,
  readClock,
  readClockTolerance,
  systemClock,
} from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import type { DidResolver, StatusListResolver, VerifiedOwnershipCredential } from '@agent-id/did';
import {
  CredentialCache,
  type GuardedRequest,
  HttpGuard,
  type MappedRequest,
  type NonceIssuer,
  type ProtectedResourceMetadata,
  ReplayCache,
  type ReplayStore,
  type RefusalBody,
  type RefusalStage,
  refusalOf,
  verifyProof,
} from '@agent-id/http';
import { type MacaroonRootSecret, type RevocationStore, type TokenFormat, type TokenLimits, type TrustedRoots, refusalRecord } from '@agent-id/tokens';
import { AuthenticatedAgent } from './authenticated-agent.js';
import { TASK_METADATA_KEY } from './capability-metadata.js';
import { capabilityOf } from './capability-of.js';
import { type JsonRpcRefusal, REFUSAL_CODES, jsonRpcRefusal } from './jsonrpc-refusal.js';
import { type AgentIdSecurity, agentIdSecurity } from './agent-id-security.js';
import { type VerifiedDelegation, verifyDelegation } from './verify-delegation.js';

/** One A2A JSON-RPC call as a {@link A2ARequestMapper} sees it. */
export interface A2ACall {
  /** The JSON-RPC method: `SendMessage`, `GetTask`, … */
  method: string;
  /** Its params, unverified. */
  params: unknown;
  /** The endpoint path in canonical form as a resource, e.g. `a2a:/agents/analyst/a2a`. */
  resource: string;
}

/**
 * Maps a call to what a capability token for the endpoint must allow; undefined for a call
 * no token covers (refused `denied`, check `route`). Default: action = the JSON-RPC method,
 * resource = the endpoint path (`a2a:/…`), task = the message's `agent-id/task` when it names one.
 */
export type A2ARequestMapper = (call: A2ACall) => MappedRequest | undefined | Promise<MappedRequest | undefined>;

/** Options of {@link A2AGuard}. */
export interface A2AGuardOptions {
  /** The receiving agent's DID: delegations in messages must name it as their last hop's delegate. */
  agent: string;
  /**
   * The A2A endpoint's URL as its card states it (`supportedInterfaces[].url`): the resource
   * identifier tokens must name as audience (RFC 8707) and proofs' `htu` are checked against.
   * `https` (plain `http` only on loopback), normalized.
   */
  endpoint: string;
  resolver: DidResolver;
  /** Organisations whose ownership credentials are accepted from calling agents. */
  trustedIssuers: readonly string[];
  /** Every decision (authentication, and each delegation accepted or refused) is appended here before it takes effect. */
  audit: AuditSink;
  /** Biscuit root keys accepted, for tokens presented and delegated. */
  trustedRoots?: TrustedRoots;
  /** Macaroon root secrets accepted. */
  rootSecrets?: readonly MacaroonRootSecret[];
  /** Consulted on every request (the calling agent) and every delegation (its chain). */
  revocations?: RevocationStore;
  /** Status lists of ownership credentials that carry one (revoked or suspended agents), checked on every request. */
  statusLists?: StatusListResolver;
  /**
   * Whether an agent holding no token for this endpoint may call with its ownership
   * credential and a proof (see `agentIdSecurity`). Default true.
   */
  acceptCredentialOnly?: boolean;
  /** What a capability token for this endpoint must allow for each call. */
  map?: A2ARequestMapper;
  /** Delegated formats read as stated when this agent holds no trust material for them (see `verifyDelegation`). */
  unverifiedFormats?: readonly TokenFormat[];
  /** Proof ids seen. Default: a `ReplayCache` of this guard. */
  replay?: ReplayStore;
  /** Require a server nonce in every proof. */
  nonces?: NonceIssuer;
  /** Verified ownership credentials. Default: a `CredentialCache` of this guard. */
  credentials?: CredentialCache;
  /** How old a proof may be, seconds. Default 60. */
  proofMaxAgeSec?: number;
  /** Clock skew tolerated for proofs dated ahead, seconds. Default 5. */
  clockToleranceSec?: number;
  limits?: Partial<TokenLimits>;
  /** Biscuit: also run biscuit-wasm's Datalog authorizer on tokens presented. Default false. */
  datalog?: boolean;
  clock?: Clock;
}

/** An allowed request: the caller, and the audit entries written for it. */
export interface A2AAllow {
  decision: 'allow';
  caller: AuthenticatedAgent;
  /** The authentication's entry, then the delegation's when the message carried one. */
  entries: AuditEntry[];
}

/** A refused request: the answer to send (an OAuth refusal over HTTP, or a JSON-RPC error for a refused delegation) and its audit entry. */
export interface A2ADeny {
  decision: 'deny';
  status: number;
  headers: Record<string, string>;
  body: RefusalBody | JsonRpcRefusal;
  code: AgentIdError['code'];
  check: string;
  /** The calling agent, when its proof verified before the refusal. */
  agent?: string;
  entry: AuditEntry;
}

export type A2ADecision = A2AAllow | A2ADeny;

const SEND_METHODS = new Set(['SendMessage', 'SendStreamingMessage']);

function readCall(body: unknown, path: string): A2ACall {
  if (!isRecord(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string' || body.method === '' || body.method.length > 128) {
    throw new MalformedInputError('the body is not a JSON-RPC 2.0 request', { check: 'jsonrpc' });
  }
  return { method: body.method, params: body.params, resource: canonicalResourcePath('a2a', path) };
}

function messageOf(call: A2ACall): unknown {
  return SEND_METHODS.has(call.method) && isRecord(call.params) ? call.params.message : undefined;
}

const defaultMap: A2ARequestMapper = (call) => {
  const message = messageOf(call);
  const task = isRecord(message) && isRecord(message.metadata) ? message.metadata[TASK_METADATA_KEY] : undefined;
  return { action: call.method, resource: call.resource, ...(typeof task === 'string' && task !== '' ? { task } : {}) };
};

function pathOf(target: string): string {
  if (typeof target !== 'string' || !target.startsWith('/') || target.length > 8192 || target.includes('#')) throw new MalformedInputError('the request target is not a path', { check: 'target' });
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

function single(request: GuardedRequest, name: string): string | undefined {
  const value = request.header(name);
  if (value === undefined || typeof value === 'string') return value;
  throw new MalformedInputError(`the ${name} header is sent more than once`, { check: name });
}

// A compact JWS (an ownership credential) has dots; a capability token's wire form (unpadded base64url) has none.
const CREDENTIAL_AUTHORIZATION = /^dpop +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/**
 * The check an A2A server (JSON-RPC binding) runs on every request: it authenticates the
 * calling agent, and accepts a capability delegated in a message only when it is addressed
 * to this agent by that caller. Authentication is `Authorization: DPoP <credential>` with a
 * `DPoP` proof signed by the caller's DID key, where the credential is either
 *
 * - a capability token naming this endpoint as audience: the whole `HttpGuard` check of
 *   `@agent-id/http` (proof, ownership credential sent once in `Agent-Credential` or
 *   cached, token authorized for the call as mapped by `map`); or
 * - with `acceptCredentialOnly`, the caller's ownership credential (VC-JWT): the proof
 *   (bound to the credential by `ath`), then the credential (issued by a trusted
 *   organisation, about the DID that signed the proof; cached), then revocation of the agent.
 *
 * Refusals are the standard answers of `@agent-id/http` (401 with `WWW-Authenticate: DPoP`,
 * 400, 403, with `code` and `check` in a JSON body). Then, for `SendMessage` and
 * `SendStreamingMessage` whose message carries a capability (`agent-id/capability`,
 * `agent-id/task`), `verifyDelegation` with this agent as receiver and the authenticated
 * caller as sender; a refusal is a JSON-RPC error (`-31403`, or `-32602` for malformed
 * metadata) whose `ErrorInfo` carries `code` and `check`. Every decision is audited first.
 *
 * @example
 * ```ts
 * const guard = new A2AGuard({ agent: me.did, endpoint: 'https://agents.example/analyst/a2a', resolver, trustedIssuers: [acme.did], trustedRoots: [acmeRoot], audit });
 * const decision = await guard.check(guardedRequestOf(req, req.body));
 * ```
 */
export class A2AGuard {
  readonly agent: string;
  readonly endpoint: string;
  /** Where the endpoint's RFC 9728 metadata is served. */
  readonly metadataUrl: string;
  readonly acceptCredentialOnly: boolean;
  readonly #o: A2AGuardOptions;
  readonly #http: HttpGuard;
  readonly #origin: string;
  readonly #clock: Clock;
  readonly #replay: ReplayStore;
  readonly #credentials: CredentialCache;

  constructor(options: A2AGuardOptions) {
    if (typeof options?.agent !== 'string' || !options.agent.startsWith('did:')) throw new TypeError('agent must be the receiving agent DID');
    if (typeof options.audit?.append !== 'function') throw new TypeError('audit must be an AuditSink');
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    readClock(this.#clock);
    readClockTolerance(options.clockToleranceSec, 5);
    this.#replay = options.replay ?? new ReplayCache({ clock: this.#clock });
    this.#credentials = options.credentials ?? new CredentialCache({ clock: this.#clock });
    const map = options.map ?? defaultMap;
    this.#http = new HttpGuard({
      resource: options.endpoint,
      map: (facts) => map(readCall(facts.body, facts.path)),
      resolver: options.resolver,
      trustedIssuers: options.trustedIssuers,
      audit: options.audit,
      replay: this.#replay,
      credentials: this.#credentials,
      clock: this.#clock,
      ...(options.trustedRoots !== undefined ? { trustedRoots: options.trustedRoots } : {}),
      ...(options.rootSecrets !== undefined ? { rootSecrets: options.rootSecrets } : {}),
      ...(options.revocations !== undefined ? { revocations: options.revocations } : {}),
      ...(options.statusLists !== undefined ? { statusLists: options.statusLists } : {}),
      ...(options.nonces !== undefined ? { nonces: options.nonces } : {}),
      ...(options.proofMaxAgeSec !== undefined ? { proofMaxAgeSec: options.proofMaxAgeSec } : {}),
      ...(options.clockToleranceSec !== undefined ? { clockToleranceSec: options.clockToleranceSec } : {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      ...(options.datalog ? { datalog: true } : {}),
    });
    this.agent = options.agent;
    this.endpoint = this.#http.resource;
    this.metadataUrl = this.#http.metadataUrl;
    this.#origin = new URL(options.endpoint).origin;
    this.acceptCredentialOnly = options.acceptCredentialOnly ?? true;
  }

  /** The endpoint's RFC 9728 protected-resource metadata, saying too whether the ownership credential alone is accepted. */
  metadata(): ProtectedResourceMetadata & { agent_id_credential_only_accepted: boolean } {
    return { ...this.#http.metadata(), agent_id_credential_only_accepted: this.acceptCredentialOnly };
  }

  /** What the agent card must declare for this guard: `withAgentIdSecurity(card, guard.security())`. */
  security(): AgentIdSecurity {
    return agentIdSecurity({ acceptCredentialOnly: this.acceptCredentialOnly, metadataUrl: this.metadataUrl, trustedIssuers: this.#o.trustedIssuers });
  }

  /**
   * Authenticates one request and checks the delegation its message carries (see the
   * class). `request.body` is the parsed JSON-RPC request. Never throws for bad input;
   * throws only when no decision can be recorded (the audit sink fails, `bad_clock`).
   */
  async check(request: GuardedRequest): Promise<A2ADecision> {
    const authorization = typeof request.header('authorization') === 'string' ? (request.header('authorization') as string) : '';
    const credential = CREDENTIAL_AUTHORIZATION.exec(authorization)?.[1];
    let caller: AuthenticatedAgent;
    const entries: AuditEntry[] = [];
    if (credential === undefined) {
      const decision = await this.#http.check(request);
      if (decision.decision === 'deny') return { ...decision, decision: 'deny' };
      caller = new AuthenticatedAgent({ proof: decision.proof, credential: decision.credential, capability: decision });
      entries.push(decision.entry);
    } else {
      const authenticated = await this.#byCredential(request, credential);
      if (authenticated.decision === 'deny') return authenticated;
      caller = authenticated.caller;
      entries.push(...authenticated.entries);
    }
    return this.#delegation(request, caller, entries);
  }

  async #byCredential(request: GuardedRequest, text: string): Promise<A2ADecision> {
    const at: { stage: RefusalStage; agent?: string; call?: A2ACall } = { stage: 'request' };
    try {
      const path = pathOf(request.target);
      at.call = readCall(request.body, path);
      at.stage = 'authorization';
      if (text.length > 16_384) throw new MalformedInputError('the ownership credential is longer than 16,384 characters', { check: 'authorization' });
      if (!this.acceptCredentialOnly) throw new DeniedError('this agent accepts callers only with a capability token for its endpoint', { check: 'credential_only' });
      at.stage = 'proof';
      const proofHeader = single(request, 'dpop');
      if (proofHeader === undefined) throw new SignatureRequiredError('the request carries no proof of possession (DPoP header)', { check: 'proof' });
      const o = this.#o;
      const proof = await verifyProof(proofHeader, {
        method: request.method,
        url: `${this.#origin}${path}`,
        token: text,
        resolver: o.resolver,
        replay: this.#replay,
        clock: this.#clock,
        ...(o.nonces ? { nonces: o.nonces } : {}),
        ...(o.proofMaxAgeSec !== undefined ? { maxAgeSec: o.proofMaxAgeSec } : {}),
        ...(o.clockToleranceSec !== undefined ? { clockToleranceSec: o.clockToleranceSec } : {}),
      });
      at.agent = proof.agent;
      at.stage = 'credential';
      const credential = await this.#credential(text, proof.agent);
      if (o.revocations !== undefined) {
        const hit = await o.revocations.findRevoked({ tokenIds: [], agents: [proof.agent], principals: credential.onBehalfOf !== undefined ? [credential.onBehalfOf] : [] });
        if (hit?.kind === 'agent') throw new RevokedError('this agent is revoked', { check: 'revocation_agent' });
        if (hit !== undefined) throw new RevokedError('everything acting for this agent\'s principal is revoked', { check: 'revocation_principal' });
      }
      const entry = await o.audit.append(
        this.#withHttp(
          {
            timestamp: new Date(readClock(this.#clock)).toISOString(),
            agent: proof.agent,
            onBehalfOf: credential.onBehalfOf ?? credential.issuer,
            task: null,
            action: at.call.method,
            resource: at.call.resource,
            decision: 'allow',
            reason: `ownership credential by ${credential.issuer.slice(0, 120)} and proof of possession verified (no capability token)`,
            verifier: this.endpoint,
            chain: [],
          },
          request,
        ),
      );
      return { decision: 'allow', caller: new AuthenticatedAgent({ proof, credential }), entries: [entry] };
    } catch (error) {
      if (!(error instanceof AgentIdError) || error.code === 'bad_clock') throw error;
      const record = await refusalRecord(
        {
          token: undefined,
          error,
          verifier: this.endpoint,
          ...(at.agent !== undefined ? { agent: at.agent } : {}),
          ...(at.call ? { request: { action: at.call.method, resource: at.call.resource } } : {}),
        },
        { clock: this.#clock },
      );
      const entry = await this.#o.audit.append(this.#withHttp(record, request));
      const refusal = refusalOf(error, at.stage, { metadataUrl: this.metadataUrl, nonce: error.code === 'nonce_required' ? this.#o.nonces?.issue() : undefined });
      return { decision: 'deny', status: refusal.status, headers: refusal.headers, body: refusal.body, code: refusal.code, check: refusal.check, ...(at.agent !== undefined ? { agent: at.agent } : {}), entry };
    }
  }

  #credential(text: string, agent: string): Promise<VerifiedOwnershipCredential> {
    return this.#credentials.verified(agent, text, {
      resolver: this.#o.resolver,
      trustedIssuers: this.#o.trustedIssuers,
      clock: this.#clock,
      ...(this.#o.statusLists ? { statusLists: this.#o.statusLists } : {}),
    });
  }

  async #delegation(request: GuardedRequest, caller: AuthenticatedAgent, entries: AuditEntry[]): Promise<A2ADecision> {
    const body = request.body;
    const call = readCall(body, pathOf(request.target));
    const message = messageOf(call);
    if (message === undefined) return { decision: 'allow', caller, entries };
    const o = this.#o;
    const id = isRecord(body) ? body.id : undefined;
    let carried: ReturnType<typeof capabilityOf>;
    try {
      carried = capabilityOf(isRecord(message) ? message : { metadata: message }, o.limits?.maxTokenChars);
    } catch (error) {
      return this.#refuseDelegation(request, caller, undefined, error, jsonRpcRefusal.bind(null, id), REFUSAL_CODES.invalidParams);
    }
    if (carried === undefined) return { decision: 'allow', caller, entries };
    let delegation: VerifiedDelegation;
    try {
      delegation = await verifyDelegation(carried, {
        receiver: this.agent,
        sender: caller.agent,
        clock: this.#clock,
        ...(o.trustedRoots !== undefined ? { trustedRoots: o.trustedRoots } : {}),
        ...(o.rootSecrets !== undefined ? { rootSecrets: o.rootSecrets } : {}),
        ...(o.unverifiedFormats !== undefined ? { unverifiedFormats: o.unverifiedFormats } : {}),
        ...(o.revocations !== undefined ? { revocations: o.revocations } : {}),
        ...(o.limits !== undefined ? { limits: o.limits } : {}),
      });
    } catch (error) {
      const code = error instanceof AgentIdError && error.code === 'malformed_input' && error.check === 'capability_metadata' ? REFUSAL_CODES.invalidParams : REFUSAL_CODES.permissionDenied;
      return this.#refuseDelegation(request, caller, carried, error, jsonRpcRefusal.bind(null, id), code);
    }
    const signed = delegation.signaturesVerified ? 'chain verified' : `${delegation.format} chain read as stated (no trust material for its signatures)`;
    const entry = await o.audit.append(
      this.#withHttp(
        {
          timestamp: new Date(readClock(this.#clock)).toISOString(),
          agent: caller.agent,
          onBehalfOf: delegation.onBehalfOf,
          task: delegation.task,
          action: 'delegate',
          resource: this.agent,
          decision: 'allow',
          reason: `delegation accepted: last hop made by the authenticated caller and addressed to this agent; ${signed}`,
          verifier: this.agent,
          chain: delegation.chain,
        },
        request,
      ),
    );
    const accepted = new AuthenticatedAgent({ proof: caller.proof, credential: caller.credential, ...(caller.capability ? { capability: caller.capability } : {}), delegation });
    return { decision: 'allow', caller: accepted, entries: [...entries, entry] };
  }

  async #refuseDelegation(
    request: GuardedRequest,
    caller: AuthenticatedAgent,
    carried: { token: string; task: string } | undefined,
    error: unknown,
    envelope: (refusal: { code: AgentIdError['code']; check: string; message: string }, jsonRpcCode: number) => JsonRpcRefusal,
    jsonRpcCode: number,
  ): Promise<A2ADeny> {
    if (!(error instanceof AgentIdError) || error.code === 'bad_clock') throw error;
    const o = this.#o;
    const record = await refusalRecord(
      {
        token: carried?.token,
        error,
        verifier: this.agent,
        agent: caller.agent,
        request: { action: 'delegate', resource: this.agent, ...(carried ? { task: carried.task } : {}) },
      },
      { trustedRoots: o.trustedRoots ?? [], rootSecrets: o.rootSecrets ?? [], clock: this.#clock, ...(o.limits ? { limits: o.limits } : {}) },
    );
    const entry = await o.audit.append(this.#withHttp(record, request));
    const body = envelope({ code: error.code, check: error.check, message: `delegation refused: ${error.message}` }, jsonRpcCode);
    return { decision: 'deny', status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body, code: error.code, check: error.check, agent: caller.agent, entry };
  }

  #withHttp(record: AuditRecord, request: GuardedRequest): AuditRecord {
    const target = typeof request.target === 'string' ? request.target : '';
    const q = target.indexOf('?');
    return { ...record, http: { method: String(request.method).slice(0, 16), path: (q < 0 ? target : target.slice(0, q)).slice(0, 2048) } };
  }
}
