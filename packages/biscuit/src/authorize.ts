import { type CapabilityRequest, InternalError, RevokedError, UntrustedIssuerError, auditRecord, systemClock } from '@agent-id/core';
import { claimedBiscuitChain, evaluateBiscuit } from './biscuit/authorize.js';
import { type TokenLimits, resolveLimits } from './limits.js';
import { evaluateMacaroon } from './macaroon/authorize.js';
import { type ChainRecord, assertChain, assertHolder, assertRequest, toDelegationHop, validateDid, validateRequest } from './model.js';
import type { RevocationEntry, RevocationStore } from './revocation.js';
import { type CapabilityToken, toToken } from './token.js';
import type { AuthorizationResult, AuthorizeOptions } from './types.js';
import { rootKeysFor } from './roots.js';
import { toArray } from './util.js';

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
 * Biscuit: signatures, chain (every block its template), narrowing, revocation, holder and
 * request are checked before the Datalog authorizer runs, so a refused token never costs a
 * Datalog run. The revocation store is asynchronous and nothing wasm holds may cross an
 * `await`, so it is consulted first, on the chain the same bytes state (read in
 * JavaScript), and its answer applied after the signatures verify, in the usual order.
 */
async function evaluateBiscuitToken(
  t: CapabilityToken,
  options: AuthorizeOptions,
  request: CapabilityRequest,
  presenter: string,
  nowSeconds: number,
  limits: TokenLimits,
): Promise<{ chain: ChainRecord; revocationIds: string[]; refusal: Error | undefined }> {
  const trusted = toArray(options.rootPublicKey);
  if (trusted.length === 0) throw new UntrustedIssuerError('this verifier trusts no Biscuit root key', { check: 'root_key' });
  const store = options.revocations;
  const claimed = claimedBiscuitChain(t, limits);
  // Only keys that speak for the issuer the token names may have signed it.
  const roots = rootKeysFor(trusted, claimed?.chain.issuer);
  const hit = store && claimed ? await lookUpRevocation(store, claimed.chain, claimed.revocationIds) : undefined;
  return evaluateBiscuit(t, request, nowSeconds, roots, limits, ({ chain, revocationIds }) => {
    assertChain(chain);
    if (store) {
      // Same immutable bytes, same reader: the verified chain is the one looked up.
      if (!claimed || claimed.revocationIds.join() !== revocationIds.join()) {
        throw new InternalError('biscuit: the chain read for revocation differs from the verified one', { check: 'revocation' });
      }
      assertNotRevokedBy(hit, revocationIds);
    }
    assertHolder(chain, presenter);
    assertRequest(chain, request, nowSeconds);
  });
}

/**
 * Verifies a token for one request, as a resource server. Checks, in order: size and
 * encoding, signatures against the trusted root, that every hop was written by its
 * delegator (Biscuit: third-party block by the delegator's key; Macaroon: delegator
 * signature), that every hop narrows its parent, revocation of any hop id, agent in the
 * chain or principal, that `presenter` is the final holder, expiry, audience, task,
 * resource and action against every hop, and for Biscuit (whose blocks must each be the
 * template this package writes) then the Datalog checks of every block. Returns what it
 * verified; throws an `AgentIdError` with the failed check.
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
  validateRequest(options.request);
  const presenter = validateDid(options.presenter, 'presenter');
  const request = { ...options.request };
  const clock = options.clock ?? systemClock;
  const nowSeconds = Math.floor(clock() / 1000);
  const t = toToken(token, limits.maxTokenBytes);
  let chain: ChainRecord;
  let revocationIds: string[];
  if (t.format === 'biscuit') {
    const evaluation = await evaluateBiscuitToken(t, options, request, presenter, nowSeconds, limits);
    ({ chain, revocationIds } = evaluation);
    if (evaluation.refusal) throw evaluation.refusal;
  } else {
    const secrets = toArray(options.rootSecrets);
    if (secrets.length === 0) throw new UntrustedIssuerError('this verifier trusts no Macaroon root secret', { check: 'root_key' });
    ({ chain, revocationIds } = evaluateMacaroon(t, secrets, options.discharges ?? [], nowSeconds, limits));
    assertChain(chain);
    if (options.revocations) assertNotRevokedBy(await lookUpRevocation(options.revocations, chain, revocationIds), revocationIds);
    assertHolder(chain, presenter);
    assertRequest(chain, request, nowSeconds);
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
