import { type AuditRecord, type CapabilityRequest, type Clock, type DelegationHop, RevokedError, type Scope, assertCapabilityRequest, auditRecord, systemClock } from '@agent-id/core';
import { datalogRefusal } from './biscuit/authorize.js';
import { type TokenLimits, resolveLimits } from './limits.js';
import { type ChainRecord, assertHolder, assertRequest, toDelegationHop, validateDid } from './model.js';
import type { RevocationEntry, RevocationStore } from './revocation.js';
import type { MacaroonRootSecret, TrustedRootKey } from './roots.js';
import { type CapabilityToken, type TokenFormat, toToken } from './token.js';
import { verifyTokenChain } from './verify-chain.js';

/** Options of {@link authorize}. */
export interface AuthorizeOptions {
  /** What is asked: resource, action, the verifier's own DID as audience, and the task when known. */
  request: CapabilityRequest;
  /**
   * DID of the agent presenting the token. The caller must have checked its proof of key
   * control; the token must have been delegated to it (`holder_mismatch` otherwise).
   */
  presenter: string;
  /** Biscuit: trusted root public key(s), bare or bound to the issuer they speak for. */
  rootPublicKey?: TrustedRootKey | readonly TrustedRootKey[];
  /**
   * Biscuit: after every native check passed, also have biscuit-wasm parse the token
   * (verifying its signatures a second time, independently) and run its Datalog
   * authorizer. Default false: signatures are verified with node:crypto, and since every
   * block must be the template this package writes, the native checks decide exactly
   * what those blocks' Datalog decides (a differential test holds the two together).
   * Turn on for defence in depth at about twice the cost.
   */
  datalog?: boolean;
  /** Macaroon: trusted root secret(s), matched by id. */
  rootSecrets?: MacaroonRootSecret | readonly MacaroonRootSecret[];
  /** Macaroon: discharge macaroons bound to this token ({@link bindDischarge}). */
  discharges?: readonly (CapabilityToken | string)[];
  /** Consulted on every call; without it nothing is treated as revoked. */
  revocations?: RevocationStore;
  /** Time source. Default: system clock. */
  clock?: Clock;
  limits?: Partial<TokenLimits>;
}

/** What {@link authorize} verified. */
export interface AuthorizationResult {
  format: TokenFormat;
  /** The presenting agent, proven to be the final holder. */
  agent: string;
  /** The user or organisation on whose behalf it acts. */
  onBehalfOf: string;
  /** The organisation that minted the token (first hop's delegator). */
  issuer: string;
  task: string;
  /** Every hop from the authority to the acting agent. */
  chain: DelegationHop[];
  /** Revocation id of each hop, parallel to `chain`. */
  revocationIds: string[];
  /** The scope left after the last hop. */
  effective: Scope;
  /** The allow decision as an audit record. */
  record: AuditRecord;
}

type RevocationHit = RevocationEntry | undefined;

async function lookUpRevocation(store: RevocationStore, chain: ChainRecord, revocationIds: readonly string[]): Promise<RevocationHit> {
  const agents = [...new Set(chain.hops.flatMap((h) => [h.from, h.to]))];
  return await store.findRevoked({ tokenIds: revocationIds, agents, principals: [chain.onBehalfOf] });
}

function assertNotRevokedBy(hit: RevocationHit, revocationIds: readonly string[]): void {
  if (!hit) return;
  if (hit.kind === 'token') {
    const index = revocationIds.indexOf(hit.id);
    throw new RevokedError(`hop ${index} of the chain is revoked`, { check: 'revocation_token' });
  }
  if (hit.kind === 'agent') throw new RevokedError(`agent ${hit.did.slice(0, 120)} in the chain is revoked`, { check: 'revocation_agent' });
  throw new RevokedError(`everything acting for ${hit.id.slice(0, 120)} is revoked`, { check: 'revocation_principal' });
}

/**
 * Verifies a token for one request, as a resource server. Checks, in order: size and
 * encoding, signatures against the trusted root (Biscuit: every block, external and proof
 * signature, with node:crypto), that every block is the template this package writes and
 * every hop was written by its delegator (Biscuit: third-party block by the delegator's
 * key; Macaroon: delegator signature), that every hop narrows its parent, revocation of
 * any hop id, agent in the chain or principal, that `presenter` is the final holder,
 * expiry, audience, task, resource and action against every hop, and with `datalog` then
 * biscuit-wasm's own parse and Datalog run. Returns what it verified; throws an
 * `AgentIdError` with the failed check.
 *
 * @example
 * ```ts
 * const result = await authorize(tokenText, {
 *   request: { resource: 'files:/reports/q3.pdf', action: 'read', audience: 'did:web:files.example', task: 'q3-report' },
 *   presenter: provenAgentDid, rootPublicKey: orgPublicKey, revocations: store,
 * });
 * await auditLog.append(result.record);
 * ```
 */
export async function authorize(token: CapabilityToken | string, options: AuthorizeOptions): Promise<AuthorizationResult> {
  const limits = resolveLimits(options.limits);
  assertCapabilityRequest(options.request);
  const presenter = validateDid(options.presenter, 'presenter');
  const request = { ...options.request };
  const clock = options.clock ?? systemClock;
  const nowSeconds = Math.floor(clock() / 1000);
  const t = toToken(token, limits.maxTokenBytes);
  const { chain, revocationIds, root } = verifyTokenChain(t, options, nowSeconds, limits);
  if (options.revocations) assertNotRevokedBy(await lookUpRevocation(options.revocations, chain, revocationIds), revocationIds);
  assertHolder(chain, presenter);
  assertRequest(chain, request, nowSeconds);
  // Biscuit only: a refused token never costs a wasm call, so Datalog runs last.
  if (root && options.datalog) {
    const refusal = await datalogRefusal(t, request, nowSeconds, root, limits);
    if (refusal) throw refusal;
  }
  const hops = chain.hops.map(toDelegationHop);
  return {
    format: t.format,
    agent: presenter,
    onBehalfOf: chain.onBehalfOf,
    issuer: chain.issuer,
    task: chain.task,
    chain: hops,
    revocationIds,
    effective: chain.hops.at(-1)!.granted,
    record: auditRecord(
      {
        agent: presenter,
        onBehalfOf: chain.onBehalfOf,
        task: chain.task,
        action: request.action,
        resource: request.resource,
        decision: 'allow',
        reason: `${t.format}: signatures, hop attribution, narrowing, revocation, holder, expiry, audience, task and scope checked over ${hops.length} hop(s)`,
        verifier: request.audience,
        chain: hops,
      },
      clock,
    ),
  };
}
