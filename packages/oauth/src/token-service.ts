import { createHash } from 'node:crypto';
import {
  AgentIdError,
  type AuditEntry,
  type AuditSink,
  type Clock,
  type DelegationHop,
  DeniedError,
  ExpiredError,
  type KeyPair,
  type PublicJwk,
  MalformedInputError,
  RevokedError,
  type Scope,
  ScopeWidenedError,
  SignatureRequiredError,
  WrongAudienceError,
  WrongSubjectError,
  auditRecord,
  base64urlEncode,
  readClock,
  systemClock,
} from '@agent-id/core';
import { BoundedMap, randomBytes } from '@agent-id/core/internal';
import type { DidResolver, StatusListResolver, VerifiedOwnershipCredential } from '@agent-id/did';
import { CredentialCache, PROOF_ALGORITHMS, ReplayCache, type ReplayStore, type VerifiedProof, verifyProof } from '@agent-id/http';
import {
  type AuthorizationResult,
  CapabilityToken,
  type MacaroonRootSecret,
  type RevocationStore,
  type TokenFormat,
  type TrustedRoots,
  authorize,
  mintCapability,
} from '@agent-id/tokens';
import type { AccessTokenKeys } from './access-token-keys.js';
import { actClaim } from './act-claim.js';
import { type TokenRequestParams, parseTokenForm } from './form.js';
import { type ExchangeStage, type TokenErrorBody, tokenErrorOf } from './oauth-error.js';
import { type ScopeDefinition, grantedScope } from './scopes.js';
import { type SpiffeBundles, readSpiffeBundles } from './spiffe-bundles.js';
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from './token-types.js';
import { type JwtSvidAlgorithm, type VerifiedJwtSvid, verifyJwtSvid } from './verify-jwt-svid.js';
import { type TrustedIdentityProvider, type VerifiedSubjectToken, verifySubjectToken } from './verify-subject-token.js';

/** What the service's policy lets one agent obtain from a user's login. */
export interface AgentPolicy {
  /** OAuth scope names (keys of `scopes`) the agent may ever hold. */
  scopes: readonly string[];
  /** Verifier DIDs its capabilities may name as audience (the default when the request names none). */
  audience: readonly string[];
  /** Longest lifetime of its capabilities, seconds (bounded by the service's `capabilityLifetimeSec`). */
  maxLifetimeSec?: number;
  /** Delegation depth below it. Default 3. */
  maxDepth?: number;
}

/** The agent a policy is asked about: its DID, the organisation whose credential vouches for it, and the workload it proved to run as (a JWT-SVID actor). */
export interface PolicySubject {
  agent: string;
  operator: string;
  /** The SPIFFE ID of a verified JWT-SVID actor token, bound to the agent by its credential. */
  workload?: string;
}

/** Agents that run as workloads: which SPIFFE JWT-SVIDs the service takes as `actor_token`. */
export interface WorkloadTrust {
  /** Trust bundles (SPIFFE bundle format: JWKS, keys with `use: "jwt-svid"`) by trust domain name. */
  bundles: SpiffeBundles;
  /** The audience SVIDs must name. Default: the service's issuer identifier. */
  audience?: string | readonly string[];
  /** A narrower allow-list than JWT-SVID's nine algorithms. */
  algorithms?: readonly JwtSvidAlgorithm[];
}

/** The user of a verified subject token, as a consent record is keyed. */
export interface ConsentSubject {
  issuer: string;
  subject: string;
}

/** Where the service keeps what users consented to, per agent (OAuth scope names). */
export interface ConsentStore {
  /** The scope names `user` consented to for `agent`, or undefined when there is no record. */
  consented(user: ConsentSubject, agent: string): readonly string[] | undefined | Promise<readonly string[] | undefined>;
}

/** An OAuth-only API the service issues access tokens for. */
export interface ProtectedApi {
  /** OAuth scope names (keys of `scopes`) its access tokens may carry. */
  scopes: readonly string[];
  /** The audience a capability must name to reach it. Default: its resource identifier itself. */
  audience?: string;
}

/** Options of {@link TokenService}. */
export interface TokenServiceOptions {
  /** The service's issuer identifier (RFC 8414): an `https` URL (plain `http` only on loopback). Its token endpoint is `<issuer>/token`. */
  issuer: string;
  /** The organisation's DID: the issuer the capabilities it mints name. */
  organisation: string;
  /** Biscuit: the organisation's root key pair, minting and verifying. */
  rootKey?: KeyPair;
  /** Macaroon: the organisation's root secret. */
  rootSecret?: MacaroonRootSecret;
  /** Further Biscuit roots whose capabilities it exchanges for access tokens. */
  trustedRoots?: TrustedRoots;
  /** The format minted when the request names none. Default `biscuit` when `rootKey` is given. */
  defaultFormat?: TokenFormat;
  /** Identity providers whose users' tokens it accepts. */
  identityProviders: readonly TrustedIdentityProvider[];
  /** Every OAuth scope name it knows, with the authority it stands for. */
  scopes: Readonly<Record<string, ScopeDefinition>>;
  /** What each agent may obtain; undefined refuses the agent (`unauthorized_client`). */
  agentPolicy: (agent: PolicySubject) => AgentPolicy | undefined;
  /** Consent records: required for ID tokens, intersected with an access token's `scope` when given. */
  consents?: ConsentStore;
  /** The principal a user's capabilities act for. Default `<issuer>#<sub>`. */
  principalOf?: (user: ConsentSubject) => string;
  /** OAuth-only APIs, by resource identifier (RFC 8707). */
  apis?: Readonly<Record<string, ProtectedApi>>;
  /** Keys for RFC 9068 access tokens. */
  accessTokenKeys?: AccessTokenKeys;
  /** Lifetime of issued capabilities, seconds. Default 900. */
  capabilityLifetimeSec?: number;
  /** Lifetime of issued access tokens, seconds. Default 300. */
  accessTokenLifetimeSec?: number;
  /** Resolves agents' DIDs (proofs, credentials). */
  resolver: DidResolver;
  /** Organisations whose ownership credentials vouch for agents. */
  trustedIssuers: readonly string[];
  /** Reads the status lists of ownership credentials that carry a `credentialStatus` (without it, such a credential is refused, `status_unavailable`). */
  statusLists?: StatusListResolver;
  /** SPIFFE trust bundles: lets agents that run as workloads present a JWT-SVID as `actor_token`. */
  workloads?: WorkloadTrust;
  revocations?: RevocationStore;
  replay?: ReplayStore;
  audit: AuditSink;
  clock?: Clock;
  /** Seconds of skew allowed on subject tokens and proofs. Default 5. */
  clockToleranceSec?: number;
}

/** A successful exchange: the RFC 8693 §2.2.1 response, and its audit entry. */
export interface TokenExchangeSuccess {
  ok: true;
  body: {
    access_token: string;
    issued_token_type: string;
    token_type: 'DPoP';
    expires_in: number;
    scope: string;
  };
  entry: AuditEntry;
}

/** A refused exchange: status and RFC 6749 §5.2 body (with `code` and `check`), and its audit entry. */
export interface TokenExchangeFailure {
  ok: false;
  status: number;
  body: TokenErrorBody;
  entry: AuditEntry;
}

export type TokenExchangeResult = TokenExchangeSuccess | TokenExchangeFailure;

/** The RFC 8414 metadata the service publishes. */
export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  dpop_signing_alg_values_supported: string[];
  scopes_supported: string[];
}

/** An incoming token request: its body and the one `DPoP` header (undefined when absent, an array when repeated). */
export interface TokenRequest {
  body: string;
  dpop: string | readonly string[] | undefined;
}

const UNVERIFIED = 'unverified';

interface Trace {
  stage: ExchangeStage;
  agent?: string;
  onBehalfOf?: string;
  task?: string;
  resource?: string;
  chain?: DelegationHop[];
  workload?: string;
}

function httpLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/**
 * The organisation's RFC 8693 token service. Two exchanges, chosen by `subject_token_type`:
 *
 * - **login → capability**: `subject_token` is the user's ID token (or RFC 9068 access
 *   token) from a trusted identity provider; the agent proves itself with a `DPoP` header
 *   (a proof by its DID key over `POST <token endpoint>`, its `ath` the subject token's
 *   hash) and its ownership credential as `actor_token` (type
 *   `urn:agent-id:params:oauth:token-type:ownership-credential`). It mints a capability
 *   (`requested_token_type` Biscuit or Macaroon) held by the agent, on behalf of the user,
 *   whose scope is what was asked, within what the user consented to and what policy
 *   allows the agent; refused otherwise, never silently narrowed.
 * - **capability → access token**: `subject_token` is a capability the proving agent
 *   holds; `resource` the API. It signs an RFC 9068 access token: `sub` the user, `aud` the
 *   resource, `client_id` and `act` the agent with prior holders nested below it (RFC 8693
 *   §4.1), the scopes of that API the capability fully covers, `cnf.jkt` the agent key's
 *   thumbprint, and no later expiry than the capability's.
 *
 * An agent that runs as a SPIFFE workload may send its JWT-SVID as `actor_token` (type
 * `urn:agent-id:params:oauth:token-type:jwt-svid`) and its ownership credential as
 * `actor_credential`: the SVID is verified against `workloads.bundles`
 * ({@link verifyJwtSvid}), the credential must bind the agent to the SVID's SPIFFE ID
 * (`wrong_subject`, check `workload`), and the SPIFFE ID then reaches the policy, the audit
 * record and the access token's outermost `act` (`spiffe_id`). The DPoP proof is required
 * either way.
 *
 * Every exchange, allowed or refused, is audited before it is answered.
 *
 * @example
 * ```ts
 * const service = new TokenService({ issuer, organisation: acme.did, rootKey, identityProviders, scopes, agentPolicy, consents, apis, accessTokenKeys, resolver, trustedIssuers: [acme.did], audit });
 * const result = await service.exchange({ body, dpop });
 * ```
 */
export class TokenService {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly #o: TokenServiceOptions;
  readonly #clock: Clock;
  readonly #replay: ReplayStore;
  readonly #credentials: CredentialCache;
  readonly #trustedRoots: TrustedRoots | undefined;

  constructor(options: TokenServiceOptions) {
    const url = new URL(options.issuer);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpLoopback(url))) throw new TypeError('issuer must be an https URL (http only on loopback)');
    if (url.search !== '' || url.hash !== '') throw new TypeError('issuer must have no query or fragment');
    if (options.rootKey === undefined && options.rootSecret === undefined) throw new TypeError('rootKey or rootSecret is required');
    if (typeof options.agentPolicy !== 'function') throw new TypeError('agentPolicy must be a function');
    if (typeof options.audit?.append !== 'function') throw new TypeError('audit must be an AuditSink');
    if (options.workloads !== undefined) readSpiffeBundles(options.workloads.bundles);
    this.#o = options;
    this.issuer = options.issuer;
    const base = options.issuer.endsWith('/') ? options.issuer.slice(0, -1) : options.issuer;
    this.tokenEndpoint = `${base}/token`;
    this.jwksUri = `${base}/jwks.json`;
    this.#clock = options.clock ?? systemClock;
    this.#replay = options.replay ?? new ReplayCache({ clock: this.#clock });
    this.#credentials = new CredentialCache({ clock: this.#clock });
    const roots = [...(options.rootKey ? [options.rootKey.publicKey] : []), ...(options.trustedRoots === undefined ? [] : Array.isArray(options.trustedRoots) ? options.trustedRoots : [options.trustedRoots])];
    this.#trustedRoots = roots.length > 0 ? (roots as TrustedRoots) : undefined;
  }

  /**
   * The RFC 8414 authorization-server metadata.
   * @example
   * ```ts
   * const { token_endpoint } = service.metadata();
   * ```
   */
  metadata(): AuthorizationServerMetadata {
    return {
      issuer: this.issuer,
      token_endpoint: this.tokenEndpoint,
      jwks_uri: this.jwksUri,
      grant_types_supported: [TOKEN_EXCHANGE_GRANT],
      // The agent authenticates by its DPoP proof and ownership credential, not as a registered client.
      token_endpoint_auth_methods_supported: ['none'],
      dpop_signing_alg_values_supported: [...PROOF_ALGORITHMS],
      scopes_supported: Object.keys(this.#o.scopes),
    };
  }

  /**
   * The JWKS of the access-token signing keys (current and those still in their overlap).
   * @example
   * ```ts
   * const { keys } = service.jwks();
   * ```
   */
  jwks(): { keys: object[] } {
    return this.#o.accessTokenKeys?.jwks() ?? { keys: [] };
  }

  /**
   * Runs one token exchange (see the class) and audits it. Never throws for bad input:
   * a refusal is a {@link TokenExchangeFailure} with the OAuth error and our code. Throws
   * only when nothing can be recorded (the audit sink fails, `bad_clock`).
   *
   * @example
   * ```ts
   * const result = await service.exchange({ body: await request.text(), dpop: request.headers.get('dpop') ?? undefined });
   * ```
   */
  async exchange(request: TokenRequest): Promise<TokenExchangeResult> {
    const trace: Trace = { stage: 'request' };
    try {
      return await this.#exchange(request, trace);
    } catch (error) {
      if (!(error instanceof AgentIdError) || error.code === 'bad_clock') throw error;
      return await this.#refuse(error, trace);
    }
  }

  async #exchange(request: TokenRequest, trace: Trace): Promise<TokenExchangeSuccess> {
    if (typeof request?.body !== 'string') throw new MalformedInputError('the request body is not form-encoded text', { check: 'body' });
    const params = parseTokenForm(request.body);
    const grant = params.one('grant_type');
    if (grant === undefined) throw new MalformedInputError('grant_type is missing', { check: 'grant_type' });
    if (grant !== TOKEN_EXCHANGE_GRANT) throw new MalformedInputError('this endpoint serves token exchange only', { check: 'unsupported_grant_type' });
    const subjectToken = params.one('subject_token');
    const subjectType = params.one('subject_token_type');
    if (subjectToken === undefined || subjectType === undefined) throw new MalformedInputError('subject_token and subject_token_type are required', { check: 'subject_token' });
    const actorToken = params.one('actor_token');
    if (actorToken === undefined) throw new MalformedInputError('actor_token (the agent\'s ownership credential or JWT-SVID) is required', { check: 'actor_token' });
    const actorType = params.one('actor_token_type');
    const workloadActor = actorType === TOKEN_TYPES.jwtSvid || actorType === TOKEN_TYPES.jwt;
    if (actorType !== TOKEN_TYPES.ownershipCredential && !workloadActor) throw new MalformedInputError('actor_token_type is neither an ownership credential nor a JWT-SVID', { check: 'actor_token_type' });
    if (workloadActor && this.#o.workloads === undefined) throw new MalformedInputError('this service takes no JWT-SVID actor tokens', { check: 'actor_token_type' });
    const actorCredential = params.one('actor_credential');
    if (workloadActor !== (actorCredential !== undefined)) {
      throw new MalformedInputError('actor_credential (the ownership credential) goes with a JWT-SVID actor token, and only with one', { check: 'actor_credential' });
    }
    const toCapability = subjectType === TOKEN_TYPES.idToken || subjectType === TOKEN_TYPES.accessToken || subjectType === TOKEN_TYPES.jwt;
    const fromCapability = subjectType === TOKEN_TYPES.biscuit || subjectType === TOKEN_TYPES.macaroon;
    if (!toCapability && !fromCapability) throw new MalformedInputError('subject_token_type is not one this service exchanges', { check: 'subject_token_type' });
    if (toCapability && params.all('resource').length > 0) throw new MalformedInputError('a capability is addressed with "audience" (verifier DIDs), not "resource"', { check: 'resource' });
    trace.stage = 'proof';
    const proof = await this.#proof(request.dpop, subjectToken);
    trace.agent = proof.agent;
    trace.stage = 'actor';
    const workload = workloadActor ? await this.#workload(actorToken) : undefined;
    if (workload !== undefined) trace.workload = workload.spiffeId;
    const credential = await this.#credential(actorCredential ?? actorToken, proof.agent);
    if (workload !== undefined && credential.workload !== workload.spiffeId) {
      throw new WrongSubjectError('the agent\'s ownership credential does not bind it to the JWT-SVID\'s SPIFFE ID', { check: 'workload' });
    }
    return toCapability ? await this.#toCapability(params, subjectToken, subjectType, proof, credential, trace) : await this.#toAccessToken(params, subjectToken, subjectType, proof, trace);
  }

  async #workload(svid: string): Promise<VerifiedJwtSvid> {
    const w = this.#o.workloads!;
    return await verifyJwtSvid(svid, w.bundles, {
      audience: w.audience ?? this.issuer,
      clock: this.#clock,
      ...(w.algorithms !== undefined ? { algorithms: w.algorithms } : {}),
      ...(this.#o.clockToleranceSec !== undefined ? { clockToleranceSec: this.#o.clockToleranceSec } : {}),
    });
  }

  async #proof(header: TokenRequest['dpop'], subjectToken: string): Promise<VerifiedProof> {
    if (header === undefined) throw new SignatureRequiredError('the request carries no proof of possession (DPoP header)', { check: 'proof' });
    if (typeof header !== 'string') throw new MalformedInputError('the DPoP header is sent more than once', { check: 'dpop' });
    return await verifyProof(header, {
      method: 'POST',
      url: this.tokenEndpoint,
      token: subjectToken,
      resolver: this.#o.resolver,
      replay: this.#replay,
      clock: this.#clock,
      ...(this.#o.clockToleranceSec !== undefined ? { clockToleranceSec: this.#o.clockToleranceSec } : {}),
    });
  }

  async #credential(actorToken: string, agent: string): Promise<VerifiedOwnershipCredential> {
    if (this.#o.revocations && (await this.#o.revocations.findRevoked({ tokenIds: [], agents: [agent], principals: [] })) !== undefined) {
      throw new RevokedError('this agent is revoked', { check: 'revocation_agent' });
    }
    // Cached by hash until its expiry; its status list (when it has one) is read on every use.
    return await this.#credentials.verified(agent, actorToken, {
      resolver: this.#o.resolver,
      trustedIssuers: this.#o.trustedIssuers,
      clock: this.#clock,
      ...(this.#o.statusLists !== undefined ? { statusLists: this.#o.statusLists } : {}),
    });
  }

  async #toCapability(params: TokenRequestParams, subjectToken: string, subjectType: string, proof: VerifiedProof, credential: VerifiedOwnershipCredential, trace: Trace): Promise<TokenExchangeSuccess> {
    const o = this.#o;
    const format = this.#format(params.one('requested_token_type'));
    trace.stage = 'subject';
    const user = await verifySubjectToken(subjectToken, o.identityProviders, {
      tokenType: subjectType,
      clock: this.#clock,
      ...(o.clockToleranceSec !== undefined ? { clockToleranceSec: o.clockToleranceSec } : {}),
    });
    const principal = (o.principalOf ?? ((u: ConsentSubject) => `${u.issuer}#${u.subject}`))({ issuer: user.issuer, subject: user.subject });
    trace.onBehalfOf = principal;
    if (o.revocations && (await o.revocations.findRevoked({ tokenIds: [], agents: [], principals: [principal] })) !== undefined) {
      throw new RevokedError('everything acting for this user is revoked', { check: 'revocation_principal' });
    }
    trace.stage = 'policy';
    if (user.mayAct !== undefined && (user.mayAct.sub !== proof.agent || (user.mayAct.iss !== undefined && user.mayAct.iss !== credential.issuer))) {
      throw new DeniedError('the user\'s token names another actor in "may_act"', { check: 'may_act' });
    }
    const policy = o.agentPolicy({ agent: proof.agent, operator: credential.issuer, ...(trace.workload !== undefined ? { workload: trace.workload } : {}) });
    if (policy === undefined) throw new DeniedError('no policy lets this agent act for users', { check: 'policy' });
    trace.stage = 'target';
    const requestedAudience = params.all('audience');
    for (const a of requestedAudience) if (!policy.audience.includes(a)) throw new WrongAudienceError('an audience asked for is outside this agent\'s policy', { check: 'audience' });
    const audience = requestedAudience.length > 0 ? requestedAudience : [...policy.audience];
    if (audience.length === 0) throw new WrongAudienceError('no audience is allowed for this agent', { check: 'audience' });
    trace.stage = 'scope';
    const consented = await this.#consented(user, proof.agent);
    const requested = scopeParam(params);
    const names = requested ?? consented.filter((n) => policy.scopes.includes(n));
    for (const name of names) {
      if (!Object.hasOwn(o.scopes, name)) throw new DeniedError(`scope "${name.slice(0, 60)}" is unknown`, { check: 'scope_unknown' });
      if (!consented.includes(name)) throw new ScopeWidenedError(`the user did not consent to scope "${name}" for this agent`, { check: 'consent' });
      if (!policy.scopes.includes(name)) throw new DeniedError(`policy does not allow scope "${name}" for this agent`, { check: 'policy' });
    }
    const granted = grantedScope(names, o.scopes);
    const task = params.one('task') ?? 'default';
    trace.task = task;
    const now = Math.floor(readClock(this.#clock) / 1000);
    const lifetime = Math.min(o.capabilityLifetimeSec ?? 900, policy.maxLifetimeSec ?? Number.POSITIVE_INFINITY);
    // Authority from a login never outlives the login.
    const expiresAt = Math.min(now + lifetime, user.expiresAt);
    if (expiresAt <= now) throw new ExpiredError('the subject token expires now', { check: 'subject_expiry' });
    const scope: Scope = { resources: granted.resources, actions: granted.actions, audience, expiresAt, maxDepth: policy.maxDepth ?? 3 };
    const capability = { ...scope, holder: proof.agent, onBehalfOf: principal, task };
    const token =
      format === 'biscuit'
        ? await mintCapability(capability, { format, rootKey: o.rootKey as KeyPair, issuer: o.organisation, clock: this.#clock })
        : await mintCapability(capability, { format, rootSecret: o.rootSecret as MacaroonRootSecret, issuer: o.organisation, clock: this.#clock });
    const chain: DelegationHop[] = [{ from: o.organisation, to: proof.agent, granted: scope, issuedAt: now }];
    const entry = await o.audit.append(
      auditRecord(
        {
          agent: proof.agent,
          onBehalfOf: principal,
          task,
          action: 'token-exchange',
          resource: `capability:${format}`,
          decision: 'allow',
          reason: `${user.kind} of ${user.issuer} exchanged for a ${format} capability (scopes ${names.join(' ')})${actorNote(trace)}`,
          verifier: this.issuer,
          chain,
        },
        this.#clock,
      ),
    );
    return {
      ok: true,
      body: { access_token: token.serialize(), issued_token_type: TOKEN_TYPES[format], token_type: 'DPoP', expires_in: expiresAt - now, scope: names.join(' ') },
      entry,
    };
  }

  #format(requested: string | undefined): TokenFormat {
    if (requested === undefined) {
      const fallback = this.#o.defaultFormat ?? (this.#o.rootKey ? 'biscuit' : 'macaroon');
      return fallback;
    }
    const format = requested === TOKEN_TYPES.biscuit ? 'biscuit' : requested === TOKEN_TYPES.macaroon ? 'macaroon' : undefined;
    if (format === undefined) throw new MalformedInputError('requested_token_type is not a capability type', { check: 'requested_token_type' });
    if ((format === 'biscuit' && this.#o.rootKey === undefined) || (format === 'macaroon' && this.#o.rootSecret === undefined)) {
      throw new MalformedInputError(`this service does not mint ${format} capabilities`, { check: 'requested_token_type' });
    }
    return format;
  }

  async #consented(user: VerifiedSubjectToken, agent: string): Promise<readonly string[]> {
    const recorded = this.#o.consents === undefined ? undefined : await this.#o.consents.consented({ issuer: user.issuer, subject: user.subject }, agent);
    if (user.scopes !== undefined) return recorded === undefined ? user.scopes : user.scopes.filter((s) => recorded.includes(s));
    if (recorded === undefined) throw new DeniedError('the user has no consent on record for this agent', { check: 'consent' });
    return recorded;
  }

  async #toAccessToken(params: TokenRequestParams, subjectToken: string, subjectType: string, proof: VerifiedProof, trace: Trace): Promise<TokenExchangeSuccess> {
    const o = this.#o;
    const requestedType = params.one('requested_token_type');
    if (requestedType !== undefined && requestedType !== TOKEN_TYPES.accessToken && requestedType !== TOKEN_TYPES.jwt) {
      throw new MalformedInputError('a capability is exchanged for an access token only', { check: 'requested_token_type' });
    }
    if (o.accessTokenKeys === undefined) throw new MalformedInputError('this service issues no access tokens', { check: 'requested_token_type' });
    trace.stage = 'target';
    const resources = params.all('resource');
    if (resources.length !== 1) throw new MalformedInputError('exactly one "resource" (the API) is required', { check: 'resource' });
    const resource = resources[0]!;
    trace.resource = resource;
    const api = o.apis !== undefined && Object.hasOwn(o.apis, resource) ? o.apis[resource] : undefined;
    if (api === undefined) throw new WrongAudienceError('the resource is not an API this service issues tokens for', { check: 'resource' });
    trace.stage = 'subject';
    const token = CapabilityToken.parse(subjectToken);
    if (TOKEN_TYPES[token.format] !== subjectType) throw new MalformedInputError('subject_token_type does not name the capability\'s format', { check: 'subject_token_type' });
    trace.stage = 'scope';
    const requested = scopeParam(params);
    for (const name of requested ?? []) if (!api.scopes.includes(name) || !Object.hasOwn(o.scopes, name)) throw new DeniedError(`scope "${name.slice(0, 60)}" is not a scope of this API`, { check: 'scope_unknown' });
    const candidates = requested ?? api.scopes.filter((n) => Object.hasOwn(o.scopes, n));
    const audience = api.audience ?? resource;
    const names: string[] = [];
    let last: AuthorizationResult | undefined;
    for (const name of candidates) {
      const covered = await this.#covers(token, o.scopes[name]!, audience, proof.agent, trace);
      if (covered === undefined) {
        if (requested !== undefined) throw new DeniedError(`the capability does not cover scope "${name}"`, { check: 'scope' });
        continue;
      }
      names.push(name);
      last = covered;
    }
    if (last === undefined) throw new DeniedError('the capability covers no scope of this API', { check: 'scope' });
    trace.stage = 'subject';
    const now = Math.floor(readClock(this.#clock) / 1000);
    const expiresAt = Math.min(now + (o.accessTokenLifetimeSec ?? 300), last.effective.expiresAt);
    const key = await o.resolver.resolveKey(proof.keyId, 'authentication');
    const accessToken = o.accessTokenKeys.sign(
      {
        iss: this.issuer,
        sub: last.onBehalfOf,
        aud: resource,
        exp: expiresAt,
        iat: now,
        jti: base64urlEncode(randomBytes(16)),
        client_id: proof.agent,
        scope: names.join(' '),
        act: trace.workload === undefined ? actClaim(last.chain) : { ...actClaim(last.chain), spiffe_id: trace.workload },
        cnf: { jkt: jwkThumbprint(key.publicKey.toJwk()) },
        task: last.task,
      },
      'at+jwt',
    );
    const entry = await o.audit.append(
      auditRecord(
        {
          agent: proof.agent,
          onBehalfOf: last.onBehalfOf,
          task: last.task,
          action: 'token-exchange',
          resource,
          decision: 'allow',
          reason: `${token.format} capability (${last.chain.length} hops from ${last.issuer}) exchanged for an access token (scopes ${names.join(' ')})${actorNote(trace)}`,
          verifier: this.issuer,
          chain: last.chain,
        },
        this.#clock,
      ),
    );
    return { ok: true, body: { access_token: accessToken, issued_token_type: TOKEN_TYPES.accessToken, token_type: 'DPoP', expires_in: expiresAt - now, scope: names.join(' ') }, entry };
  }

  /** Whether the capability grants every resource and action of one scope definition at `audience`; undefined when it does not. */
  async #covers(token: CapabilityToken, definition: ScopeDefinition, audience: string, presenter: string, trace: Trace): Promise<AuthorizationResult | undefined> {
    const o = this.#o;
    let result: AuthorizationResult | undefined;
    for (const resource of definition.resources) {
      for (const action of definition.actions) {
        try {
          result = await authorize(token, {
            request: { resource, action, audience },
            presenter,
            clock: this.#clock,
            ...(this.#trustedRoots !== undefined ? { trustedRoots: this.#trustedRoots } : {}),
            ...(o.rootSecret !== undefined ? { rootSecrets: o.rootSecret } : {}),
            ...(o.revocations !== undefined ? { revocations: o.revocations } : {}),
          });
        } catch (error) {
          if (error instanceof DeniedError) return undefined;
          trace.stage = error instanceof WrongAudienceError ? 'target' : 'subject';
          throw error;
        }
        trace.onBehalfOf = result.onBehalfOf;
        trace.task = result.task;
        trace.chain = result.chain;
      }
    }
    return result;
  }

  async #refuse(error: AgentIdError, trace: Trace): Promise<TokenExchangeFailure> {
    const entry = await this.#o.audit.append(
      auditRecord(
        {
          agent: trace.agent ?? UNVERIFIED,
          onBehalfOf: trace.onBehalfOf ?? UNVERIFIED,
          task: trace.task ?? null,
          action: 'token-exchange',
          resource: trace.resource ?? 'capability',
          decision: 'deny',
          reason: `${trace.stage}: ${error.check}${actorNote(trace)}`,
          code: error.code,
          verifier: this.issuer,
          chain: trace.chain ?? [],
        },
        this.#clock,
      ),
    );
    const { status, body } = tokenErrorOf(error, trace.stage);
    return { ok: false, status, body, entry };
  }
}

/** The workload a JWT-SVID actor proved to run as, for the audit record's reason. */
function actorNote(trace: Trace): string {
  return trace.workload === undefined ? '' : `; actor workload ${trace.workload}`;
}

/** The `scope` parameter's names, each once (RFC 6749 §3.3: space-delimited, order irrelevant), or undefined when absent. */
function scopeParam(params: TokenRequestParams): string[] | undefined {
  const names = params.one('scope')?.split(' ').filter(Boolean);
  return names === undefined || names.length === 0 ? undefined : [...new Set(names)];
}

// Thumbprints by the text they are computed from (a pure function of it): agents come back.
const MAX_THUMBPRINTS = 1024;
const thumbprints = new BoundedMap<string, string>(MAX_THUMBPRINTS);

/** The RFC 7638 thumbprint of a public JWK (OKP or EC): SHA-256 of its required members in lexicographic order. */
function jwkThumbprint(jwk: PublicJwk): string {
  const members = JSON.stringify(jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  const known = thumbprints.get(members);
  if (known !== undefined) return known;
  const thumbprint = createHash('sha256').update(members).digest('base64url');
  thumbprints.set(members, thumbprint);
  return thumbprint;
}
