import {
  AgentIdError,
  type AuditEntry,
  type AuditRecord,
  type AuditSink,
  type Clock,
  CredentialRequiredError,
  type DelegationHop,
  DeniedError,
  MalformedInputError,
  RevokedError,
  type Scope,
  SignatureRequiredError,
  readClock,
  readClockTolerance,
  systemClock,
} from '@agent-id/core';
import type { DidResolver, StatusListResolver, VerifiedOwnershipCredential } from '@agent-id/did';
import {
  type AuthorizationResult,
  type AuthorizeOptions,
  type MacaroonRootSecret,
  type RevocationStore,
  CapabilityToken,
  type TokenFormat,
  type TokenLimits,
  type TrustedRoots,
  authorize,
  refusalRecord,
} from '@agent-id/tokens';
import { CredentialCache, type CredentialCheck } from './credential-cache.js';
import { type ProtectedResourceMetadata, metadataUrlOf, protectedResourceMetadata } from './metadata.js';
import type { NonceIssuer } from './nonces.js';
import { ReplayCache, type ReplayStore } from './replay-cache.js';
import type { MappedRequest, RequestFacts, RequestMapper } from './request-map.js';
import { type Refusal, refusalOf } from './refusal.js';
import { type VerifiedProof, checkProof } from './verify-proof.js';
import { BoundedMap } from '@agent-id/core/internal';

/** The header an agent sends its ownership credential (VC-JWT) in, on first contact. */
export const CREDENTIAL_HEADER = 'agent-credential';

/** Options of {@link HttpGuard}. */
export interface HttpGuardOptions {
  /**
   * This resource's identifier (RFC 8707, RFC 9728 `resource`): an `https` URL (plain
   * `http` only on loopback), e.g. `https://tools.example/api`. Tokens must name it as
   * audience; proofs' `htu` are checked against its origin, never against a `Host` header.
   */
  resource: string;
  /** Maps each request to the action, resource and task it needs ({@link routeTable}, or a function). */
  map: RequestMapper;
  resolver: DidResolver;
  /** Organisations whose ownership credentials are accepted from agents. */
  trustedIssuers: readonly string[];
  /** Biscuit root keys accepted (see `authorize`). */
  trustedRoots?: TrustedRoots;
  /** Macaroon root secrets accepted. */
  rootSecrets?: readonly MacaroonRootSecret[];
  /** Consulted on every request. */
  revocations?: RevocationStore;
  /** Status lists of ownership credentials that carry one (revoked or suspended agents), checked on every request. */
  statusLists?: StatusListResolver;
  /** Every decision, allow or deny, is appended here before it is returned. */
  audit: AuditSink;
  /** Proof ids seen. Default: a {@link ReplayCache} of this guard (use a shared store for a fleet). */
  replay?: ReplayStore;
  /** Require a server nonce in every proof (for clients whose clocks this server does not trust). */
  nonces?: NonceIssuer;
  /** Verified ownership credentials. Default: a {@link CredentialCache} of this guard. */
  credentials?: CredentialCache;
  /** How old a proof may be, seconds. Default 60. */
  proofMaxAgeSec?: number;
  /** Clock skew tolerated for proofs dated ahead and tokens' hop times, seconds. Default 5 for proofs, 60 for hops (see `authorize`). */
  clockToleranceSec?: number;
  /** Token limits passed to `authorize`. */
  limits?: Partial<TokenLimits>;
  /** Biscuit: also run biscuit-wasm's Datalog authorizer. Default false. */
  datalog?: boolean;
  /** Human-readable name for the metadata document (`resource_name`). */
  resourceName?: string;
  clock?: Clock;
}

/** An HTTP request as the guard reads it (adapters build it). */
export interface GuardedRequest {
  method: string;
  /** The request target: path and query as received, e.g. `/orders/42?full=1`. */
  target: string;
  /** A header by lower-case name; a header sent more than once is an array. */
  header(name: string): string | readonly string[] | undefined;
  /** Parsed JSON body, for mappers that need it. */
  body?: unknown;
}

/** An allowed request: what was verified, and the audit entry written for it. */
export interface HttpAllow {
  decision: 'allow';
  /** The agent that signed the request's proof and is the token's final holder. */
  agent: string;
  /** The organisation whose ownership credential vouches for the agent. */
  operator: string;
  /** The user or organisation it acts for. */
  onBehalfOf: string;
  /** The organisation that minted the token. */
  issuer: string;
  task: string;
  action: string;
  resource: string;
  format: TokenFormat;
  /** Every hop from the authority to the agent. */
  chain: DelegationHop[];
  /** The scope left after the last hop. */
  effective: Scope;
  /** The verified proof (its `jti` is now used up). */
  proof: VerifiedProof;
  /** The verified ownership credential. */
  credential: VerifiedOwnershipCredential;
  /** The capability token presented (redacted in `toString` and JSON). */
  token: CapabilityToken;
  entry: AuditEntry;
}

/** A refused request: the standard answer to send, and the audit entry written for it. */
export interface HttpDeny extends Refusal {
  decision: 'deny';
  /** The agent, when its proof verified before the refusal. */
  agent?: string;
  entry: AuditEntry;
}

export type HttpDecision = HttpAllow | HttpDeny;

/** A request that passed {@link HttpGuard.authenticate}: who sent it, and the token it carries (not yet authorized). */
export interface AuthenticatedRequest {
  proof: VerifiedProof;
  credential: VerifiedOwnershipCredential;
  /** The token presented: parsed, not yet verified (redacted in `toString` and JSON). */
  token: CapabilityToken;
}

type Stage = 'request' | 'authorization' | 'proof' | 'credential' | 'token';

function single(request: GuardedRequest, name: string): string | undefined {
  const value = request.header(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new MalformedInputError(`the ${name} header is sent more than once`, { check: name });
  return value;
}

// token68 (RFC 7235 §2.1): what a DPoP- or Bearer-scheme credential may be.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

const SPACE = /\s/;

const notToken68 = () => new MalformedInputError('the Authorization header is not "<scheme> <token>"', { check: 'authorization' });

/**
 * The token text of `Authorization: DPoP <token>`. For the DPoP scheme the token68 form is
 * checked by {@link parseToken} (a token's base64url is stricter), so the text is read once.
 */
function readAuthorization(request: GuardedRequest): string {
  const value = single(request, 'authorization');
  if (value === undefined) throw new CredentialRequiredError('the request carries no capability token (Authorization: DPoP <token>)', { check: 'authorization' });
  const space = value.indexOf(' ');
  const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  let credentials = space < 0 ? '' : value.slice(space + 1);
  // Trimmed only when it needs it (`\s` is the set trim removes): no copy of a 2 KB token.
  if (credentials.length > 0 && (SPACE.test(credentials[0]!) || SPACE.test(credentials[credentials.length - 1]!))) credentials = credentials.trim();
  if (credentials.length > 65_536) throw notToken68();
  if (scheme === 'dpop') return credentials;
  if (!TOKEN68.test(credentials)) throw notToken68();
  if (scheme === 'bearer') {
    throw new SignatureRequiredError('the token is bound to its holder: send it as "Authorization: DPoP <token>" with a proof in the DPoP header, not as a bearer token', { check: 'proof' });
  }
  throw new MalformedInputError(`the Authorization scheme is not DPoP`, { check: 'authorization' });
}

/** `CapabilityToken.parse`, after {@link readAuthorization}: text that is not even token68 is refused as the header it came in. */
function parseToken(text: string, maxTokenChars: number | undefined, at: { token?: string }): CapabilityToken {
  let token: CapabilityToken;
  try {
    token = CapabilityToken.parse(text, maxTokenChars !== undefined ? { maxTokenChars } : {});
  } catch (error) {
    if (!TOKEN68.test(text)) throw notToken68();
    at.token = text;
    throw error;
  }
  at.token = text;
  return token;
}

// Tokens an agent presented before with a proof that verified, parsed and hashed, by a short
// name of their text (its length and last characters), each confirmed by the whole text:
// parsing a token (its alphabet) and hashing it (for `ath`) are functions of the text alone,
// and cost more than comparing it, while a Map keyed by 2 KB texts would hash each one anew.
// A collision of names only misses (the text is parsed again). Frozen: handlers share it.
const MAX_TOKENS = 1024;
// At most 8 MiB of token text kept per guard.
const MAX_TOKEN_CHARS_KEPT = 8192;
const TOKEN_NAME_CHARS = 48;

function tokenName(text: string): string {
  return `${text.length}:${text.slice(-TOKEN_NAME_CHARS)}`;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** What a mapper reads of a request. */
function factsOf(request: GuardedRequest, path: string, q: number): RequestFacts {
  let query: URLSearchParams | undefined;
  const facts: RequestFacts = {
    method: request.method,
    path,
    // Made when a mapper reads it: most routes never look at the query.
    get query() {
      query ??= new URLSearchParams(q < 0 ? '' : request.target.slice(q + 1));
      return query;
    },
    header: (name) => {
      const v = request.header(name);
      return typeof v === 'string' ? v : v?.[0];
    },
  };
  if (request.body !== undefined) facts.body = request.body;
  return facts;
}

/** Where a refusal of an authenticated request's token stands: its agent proven, its token read. */
const tokenStage = (presented: AuthenticatedRequest): { stage: Stage; agent?: string; token?: string } => ({ stage: 'token', agent: presented.proof.agent, token: presented.token.serialize() });

/** The path of a request target, and where its query starts (-1: none). */
function splitTarget(target: string): { path: string; q: number } {
  if (typeof target !== 'string' || !target.startsWith('/') || target.length > 8192) throw new MalformedInputError('the request target is not a path', { check: 'target' });
  const q = target.indexOf('?');
  const hash = target.indexOf('#');
  if (hash >= 0) throw new MalformedInputError('the request target holds a fragment', { check: 'target' });
  return { path: q < 0 ? target : target.slice(0, q), q };
}

/**
 * The check an HTTP (or MCP, or A2A) server runs on every request, in one request: who
 * sends it, with what authority, for what. It verifies, in order:
 *
 * 1. the request maps to an action and resource (`malformed_input` → 400; none →
 *    `denied`, check `route` → 403);
 * 2. `Authorization: DPoP <token>` (none → 401 `credential_required`; a bearer token →
 *    401 `signature_required`, check `proof`: the token is bound to its holder);
 * 3. the `DPoP` proof ({@link verifyProof}): signed by the agent's DID key, for this
 *    method, URL and token, fresh, with the server's nonce when it demands one
 *    (401 `invalid_dpop_proof`, or `use_dpop_nonce` with a fresh `DPoP-Nonce`);
 * 4. the agent's ownership credential, from the `Agent-Credential` header or the cache
 *    of credentials it sent before, issued by a trusted organisation (401 `invalid_token`,
 *    `credential_required` when it never sent one); only then is the proof's `jti`
 *    claimed as used (401 `invalid_dpop_proof`, `replayed`), so proofs of agents nobody
 *    vouches for never fill the replay store;
 * 5. the token, with `authorize`: trusted roots, every signature and hop, this resource
 *    as audience (RFC 8707), expiry, revocation, the proven agent as final holder, the
 *    request within every hop (401 `invalid_token`; 403 `insufficient_scope` for a
 *    request outside the token's scope or task);
 * 6. an audit record naming agent, user, task, chain, method and path, appended before the
 *    decision is returned, allow or deny.
 *
 * It never throws for bad input: every refusal is a {@link HttpDeny} with the status,
 * `WWW-Authenticate` and JSON body to send (code and check, never a token or stack). It
 * throws only when no decision can be recorded (the audit sink fails, or `bad_clock`).
 *
 * @example
 * ```ts
 * const guard = new HttpGuard({ resource: 'https://tools.example/api', map: routeTable('api', routes), resolver, trustedIssuers: [acme], trustedRoots: [acmeRoot], audit });
 * const decision = await guard.check(request);
 * ```
 */
export class HttpGuard {
  readonly resource: string;
  /** Where this resource's RFC 9728 metadata is served. */
  readonly metadataUrl: string;
  readonly #o: HttpGuardOptions;
  readonly #origin: string;
  readonly #clock: Clock;
  readonly #replay: ReplayStore;
  readonly #credentials: CredentialCache;
  readonly #tokens = new BoundedMap<string, CapabilityToken>(MAX_TOKENS);
  readonly #credentialCheck: CredentialCheck;

  constructor(options: HttpGuardOptions) {
    if (typeof options?.map !== 'function') throw new TypeError('map must be a function (see routeTable)');
    if (!Array.isArray(options.trustedIssuers)) throw new TypeError('trustedIssuers must be an array of DIDs');
    if (typeof options.audit?.append !== 'function') throw new TypeError('audit must be an AuditSink');
    this.#o = options;
    this.metadataUrl = metadataUrlOf(options.resource);
    this.resource = options.resource;
    this.#origin = new URL(options.resource).origin;
    this.#clock = options.clock ?? systemClock;
    readClock(this.#clock);
    readClockTolerance(options.clockToleranceSec, 5);
    readClockTolerance(options.proofMaxAgeSec, 60);
    this.#replay = options.replay ?? new ReplayCache({ clock: this.#clock });
    this.#credentials = options.credentials ?? new CredentialCache({ clock: this.#clock });
    this.#credentialCheck = { resolver: options.resolver, trustedIssuers: options.trustedIssuers, clock: this.#clock, ...(options.statusLists ? { statusLists: options.statusLists } : {}) };
  }

  #rememberToken(name: string, token: CapabilityToken): void {
    this.#tokens.delete(name);
    Object.freeze(token);
    this.#tokens.set(name, token);
  }

  /** This resource's RFC 9728 protected-resource metadata. */
  metadata(): ProtectedResourceMetadata {
    return protectedResourceMetadata(this.#o);
  }

  /** A fresh server nonce, when the guard demands them. */
  issueNonce(): string | undefined {
    return this.#o.nonces?.issue();
  }

  /**
   * Who sent a request: its token (unread), proof and ownership credential verified, in
   * the order of {@link HttpGuard.check} steps 2 to 4; throws the first coded error. For
   * protocols that decide per message after the HTTP request was authenticated (MCP's
   * `tools/call`): follow with {@link HttpGuard.decide}.
   */
  async authenticate(request: GuardedRequest): Promise<AuthenticatedRequest> {
    return this.#authenticate(request, { stage: 'request' });
  }

  async #authenticate(request: GuardedRequest, at: { stage: Stage; agent?: string; token?: string }, knownPath?: string): Promise<AuthenticatedRequest> {
    at.stage = 'request';
    const path = knownPath ?? splitTarget(request.target).path;
    at.stage = 'authorization';
    const text = readAuthorization(request);
    const name = tokenName(text);
    const seen = this.#tokens.get(name);
    let token: CapabilityToken;
    if (seen !== undefined && seen.serialize() === text) {
      token = seen;
      at.token = text;
    } else token = parseToken(text, this.#o.limits?.maxTokenChars, at);
    at.stage = 'proof';
    const proofHeader = single(request, 'dpop');
    if (proofHeader === undefined) throw new SignatureRequiredError('the request carries no proof of possession (DPoP header)', { check: 'proof' });
    // One literal, no spreads: this runs on every request (absent options are undefined, their defaults).
    const checked = await checkProof(
      proofHeader,
      {
        method: request.method,
        url: `${this.#origin}${path}`,
        token: text,
        resolver: this.#o.resolver,
        replay: this.#replay,
        clock: this.#clock,
        nonces: this.#o.nonces,
        maxAgeSec: this.#o.proofMaxAgeSec,
        clockToleranceSec: this.#o.clockToleranceSec,
      },
      { tokenHash: token.hash() },
    );
    const proof = checked.proof;
    at.stage = 'credential';
    const vouched = this.#credential(request, proof.agent);
    const credential = isPromise(vouched) ? await vouched : vouched;
    // Only an agent a trusted organisation vouches for takes a slot of the bounded replay
    // store: anyone can make a did:key and sign proofs, and a full store refuses everyone.
    at.stage = 'proof';
    const claimed = checked.claim();
    if (claimed !== undefined) await claimed;
    // Named only now: until its id is claimed, a proof may be a copy sent by anyone.
    at.agent = proof.agent;
    if (token !== seen && text.length <= MAX_TOKEN_CHARS_KEPT) this.#rememberToken(name, token);
    return { proof, credential, token };
  }

  /** The agent's ownership credential: synchronously when it is cached and nothing needs a lookup. */
  #credential(request: GuardedRequest, agent: string): VerifiedOwnershipCredential | Promise<VerifiedOwnershipCredential> {
    if (this.#o.revocations) return this.#credentialOfRevocable(request, agent, this.#o.revocations);
    const sent = single(request, CREDENTIAL_HEADER);
    return this.#credentials.cachedWithoutStatus(agent, sent, this.#credentialCheck) ?? this.#credentials.verified(agent, sent, this.#credentialCheck);
  }

  async #credentialOfRevocable(request: GuardedRequest, agent: string, revocations: RevocationStore): Promise<VerifiedOwnershipCredential> {
    // A revoked agent is refused here already, and its cached credential dropped: the
    // credential alone vouches for nothing once its agent is revoked.
    if ((await revocations.findRevoked({ tokenIds: [], agents: [agent], principals: [] })) !== undefined) {
      this.#credentials.forget(agent);
      throw new RevokedError('this agent is revoked', { check: 'revocation_agent' });
    }
    return this.#credentials.verified(agent, single(request, CREDENTIAL_HEADER), this.#credentialCheck);
  }

  /**
   * Decides one mapped request for an authenticated presentation (step 5 of
   * {@link HttpGuard.check}) and audits it; never throws for bad input.
   */
  async decide(request: GuardedRequest, presented: AuthenticatedRequest, mapped: MappedRequest): Promise<HttpDecision> {
    const decided = await this.#decideAll(request, presented, [mapped]);
    return Array.isArray(decided) ? decided[0]! : decided;
  }

  /**
   * Verifies and decides one request, and audits the decision (see the class).
   * @example
   * ```ts
   * const d = await guard.check({ method: 'GET', target: '/orders/42', header: (n) => headers[n] });
   * if (d.decision === 'deny') return new Response(JSON.stringify(d.body), { status: d.status, headers: d.headers });
   * ```
   */
  async check(request: GuardedRequest): Promise<HttpDecision> {
    // checkEach for one operation, without its lists and the frames they take on every request.
    const at: { stage: Stage; agent?: string; token?: string } = { stage: 'request' };
    let mapped: MappedRequest | undefined;
    try {
      const { path, q } = splitTarget(request.target);
      const answer = this.#o.map(factsOf(request, path, q));
      mapped = isPromise(answer) ? await answer : answer;
      if (mapped === undefined) throw new DeniedError(`no capability covers ${request.method} ${path.slice(0, 200)}`, { check: 'route' });
      const presented = await this.#authenticate(request, at, path);
      let verified: AuthorizationResult;
      try {
        verified = await this.#authorize(presented, mapped);
      } catch (error) {
        return this.#deny(request, error, tokenStage(presented), mapped);
      }
      return await this.#allow(request, presented, mapped, verified);
    } catch (error) {
      return this.#deny(request, error, at, mapped);
    }
  }

  /**
   * {@link HttpGuard.check} for a request that carries several operations (a JSON-RPC
   * batch): `map` gives each its capability, and the request is allowed only when every one
   * is. Nothing is audited until all are decided: then an allow record for each, in order,
   * or only the refusal of the first one refused, so no record says an operation was
   * allowed that never ran. Never throws for bad input; a sink that fails while the allow
   * records are appended throws (no decision), and the records it took stay.
   *
   * @example
   * ```ts
   * const d = await guard.checkEach(request, (facts) => (facts.body as Call[]).map((c) => ({ action: 'call', resource: `tools:/${c.name}` })));
   * if (!Array.isArray(d)) return new Response(JSON.stringify(d.body), { status: d.status, headers: d.headers });
   * ```
   */
  async checkEach(
    request: GuardedRequest,
    map: (facts: RequestFacts) => readonly MappedRequest[] | undefined | Promise<readonly MappedRequest[] | undefined>,
  ): Promise<HttpAllow[] | HttpDeny> {
    const at: { stage: Stage; agent?: string; token?: string } = { stage: 'request' };
    let mapped: readonly MappedRequest[] | undefined;
    try {
      const { path, q } = splitTarget(request.target);
      const answer = map(factsOf(request, path, q));
      // Awaited only when it is a promise: a route table answers synchronously.
      mapped = isPromise(answer) ? await answer : answer;
      if (mapped === undefined || mapped.length === 0) throw new DeniedError(`no capability covers ${request.method} ${path.slice(0, 200)}`, { check: 'route' });
      const presented = await this.#authenticate(request, at, path);
      return await this.#decideAll(request, presented, mapped);
    } catch (error) {
      return this.#deny(request, error, at, mapped?.[0]);
    }
  }

  async #decideAll(request: GuardedRequest, presented: AuthenticatedRequest, mapped: readonly MappedRequest[]): Promise<HttpAllow[] | HttpDeny> {
    const at = tokenStage(presented);
    const verified: AuthorizationResult[] = [];
    for (const one of mapped) {
      try {
        verified.push(await this.#authorize(presented, one));
      } catch (error) {
        return this.#deny(request, error, at, one);
      }
    }
    const allows: HttpAllow[] = [];
    for (let i = 0; i < mapped.length; i++) allows.push(await this.#allow(request, presented, mapped[i]!, verified[i]!));
    return allows;
  }

  #authorize(presented: AuthenticatedRequest, mapped: MappedRequest): Promise<AuthorizationResult> {
    const o = this.#o;
    const options: AuthorizeOptions = {
      request: { resource: mapped.resource, action: mapped.action, audience: this.resource, ...(mapped.task !== undefined ? { task: mapped.task } : {}) },
      presenter: presented.proof.agent,
      clock: this.#clock,
    };
    if (o.trustedRoots) options.trustedRoots = o.trustedRoots;
    if (o.rootSecrets) options.rootSecrets = o.rootSecrets;
    if (o.revocations) options.revocations = o.revocations;
    if (o.limits) options.limits = o.limits;
    if (o.datalog) options.datalog = true;
    return authorize(presented.token, options);
  }

  async #allow(request: GuardedRequest, presented: AuthenticatedRequest, mapped: MappedRequest, verified: AuthorizationResult): Promise<HttpAllow> {
    const entry = await this.#o.audit.append(this.#withHttp(verified.record, request));
    return {
      decision: 'allow',
      agent: presented.proof.agent,
      operator: presented.credential.issuer,
      onBehalfOf: verified.onBehalfOf,
      issuer: verified.issuer,
      task: verified.task,
      action: mapped.action,
      resource: mapped.resource,
      format: verified.format,
      chain: verified.chain,
      effective: verified.effective,
      proof: presented.proof,
      credential: presented.credential,
      token: presented.token,
      entry,
    };
  }

  #withHttp(record: AuditRecord, request: GuardedRequest): AuditRecord {
    const q = typeof request.target === 'string' ? request.target.indexOf('?') : -1;
    const path = typeof request.target === 'string' ? (q < 0 ? request.target : request.target.slice(0, q)).slice(0, 2048) : '';
    // Object.assign, not a spread: a spread with a member added is several times slower here.
    return Object.assign({}, record, { http: { method: String(request.method).slice(0, 16), path } });
  }

  async #deny(request: GuardedRequest, error: unknown, at: { stage: Stage; agent?: string; token?: string }, mapped: MappedRequest | undefined): Promise<HttpDeny> {
    // Errors that say nothing about the request (no usable clock, a failing sink) are not refusals.
    if (error instanceof AgentIdError && error.code === 'bad_clock') throw error;
    if (!(error instanceof AgentIdError)) throw error;
    const o = this.#o;
    const record = await refusalRecord(
      {
        token: at.token,
        error,
        verifier: this.resource,
        ...(at.agent !== undefined ? { agent: at.agent } : {}),
        ...(mapped ? { request: mapped } : {}),
      },
      { trustedRoots: o.trustedRoots ?? [], rootSecrets: o.rootSecrets ?? [], clock: this.#clock, ...(o.limits ? { limits: o.limits } : {}) },
    );
    const entry = await o.audit.append(this.#withHttp(record, request));
    const refusal = refusalOf(error, at.stage, { metadataUrl: this.metadataUrl, nonce: error.code === 'nonce_required' ? this.issueNonce() : undefined, required: mapped });
    return { decision: 'deny', ...refusal, ...(at.agent !== undefined ? { agent: at.agent } : {}), entry };
  }
}
