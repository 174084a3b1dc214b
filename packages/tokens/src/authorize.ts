import { type AuditRecord, type CapabilityRequest, type Clock, type DelegationHop, RevokedError, type Scope, assertCapabilityRequest, readClock, readClockTolerance } from '@agent-id/core';
import { datalogRefusal } from './biscuit/authorize.js';
import { decisionRecord, withVerified } from './decision-record.js';
import { assertFirstPartyChecks, requestFacts } from './first-party.js';
import { type TokenLimits, resolveLimits } from './limits.js';
import { assertDischargesLive } from './macaroon/authorize.js';
import { type ChainRecord, DEFAULT_CLOCK_TOLERANCE_SEC, assertHolder, assertRequest, validateDid } from './model.js';
import type { RevocationEntry, RevocationStore } from './revocation.js';
import type { MacaroonRootSecret, TrustedRoots } from './roots.js';
import { CapabilityToken, type TokenFormat, toToken } from './token.js';
import { type VerifiedTokenChain, verifiedChainOf, verifyTokenChain } from './verify-chain.js';

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
  trustedRoots?: TrustedRoots;
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
  /**
   * Time source. Default: system clock. Read once, first of all, with core's `readClock`:
   * a clock giving no usable time (`NaN`, `undefined`, ±Infinity, a string, before 1970 or
   * after year 9999, or throwing) is `bad_clock` (check `clock`), never a decision.
   */
  clock?: Clock;
  /**
   * How far (seconds) a hop's issue time may be after this verifier's time, for clock skew
   * between issuers and verifiers: 0 to 86,400, default 60. A hop issued later than that is
   * `not_yet_valid` (check `issued_at`): a token is never accepted before it existed.
   * Anything else is `bad_clock` (check `clock_tolerance`).
   */
  clockToleranceSec?: number;
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
  /**
   * Revocation id of each hop, parallel to `chain`: the id to revoke a hop by. Biscuit: a
   * hash of what the hop's issuer signed (the root for hop 0, the delegating agent for the
   * others), which nobody re-signing the token can change; Macaroon: `tid`, then each hop's
   * signed `id`.
   */
  revocationIds: string[];
  /**
   * Biscuit: Biscuit's own revocation id (the block signature) of every block, hops and
   * holders' check blocks, in order; a revocation of one of these matches too. Anyone who
   * held the secret before a block can sign it again under a new one, so revoke by
   * `revocationIds`. Macaroon: empty.
   */
  blockRevocationIds: string[];
  /** The scope left after the last hop. */
  effective: Scope;
  /** The allow decision as an audit record. */
  record: AuditRecord;
}

type RevocationHit = RevocationEntry | undefined;

async function lookUpRevocation(store: RevocationStore, chain: ChainRecord, revocationIds: readonly string[], blockRevocationIds: readonly string[]): Promise<RevocationHit> {
  const agents = [...new Set(chain.hops.flatMap((h) => [h.from, h.to]))];
  const hops = chain.hops.map((h) => ({ from: h.from, to: h.to, issuedAt: h.issuedAt }));
  return await store.findRevoked({ tokenIds: [...revocationIds, ...blockRevocationIds], agents, principals: [chain.onBehalfOf], hops });
}

function assertNotRevokedBy(hit: RevocationHit, revocationIds: readonly string[], blockRevocationIds: readonly string[]): void {
  if (!hit) return;
  if (hit.kind === 'token') {
    const index = revocationIds.indexOf(hit.id);
    if (index >= 0) throw new RevokedError(`hop ${index} of the chain is revoked`, { check: 'revocation_token' });
    throw new RevokedError(`block ${blockRevocationIds.indexOf(hit.id)} of the token is revoked (by its Biscuit revocation id)`, { check: 'revocation_token' });
  }
  if (hit.kind === 'agent') throw new RevokedError(`agent ${hit.did.slice(0, 120)} in the chain is revoked`, { check: 'revocation_agent' });
  throw new RevokedError(`everything acting for ${hit.id.slice(0, 120)} is revoked`, { check: 'revocation_principal' });
}

/**
 * Verifies a token for one request, as a resource server. Checks, in this order, and
 * throws an `AgentIdError` for the first that fails:
 *
 * 0. the verifier's clock gives a usable time and its tolerance is usable (`bad_clock`,
 *    checks `clock`, `clock_tolerance`);
 * 1. the request and `presenter` are well-formed (`malformed_input`);
 * 2. the token's size (`input_too_large`) and encoding (`malformed_input`; Macaroon:
 *    every caveat in the caveat language, read before any signature);
 * 3. a trusted root for its format (`untrusted_issuer`, check `root_key`) that may speak
 *    for the issuer it names (`untrusted_issuer`, check `root_issuer`);
 * 4. every signature (`invalid_signature`; Biscuit: first every next key is Ed25519 and
 *    every block after the authority has signature version 1, `malformed_input` with
 *    checks `next_key`, `version`; then every block, external signature and proof, with
 *    node:crypto; Macaroon: the HMAC chain, each hop's delegator signature, then the
 *    discharges);
 * 5. Biscuit: every block is the template this package writes or a first-party block of
 *    checks only, and hop i is written by hop i-1's delegate (`malformed_input`, checks
 *    `hop_block`, `check_block`; `invalid_signature`, check `hop_signature`);
 * 6. the chain: every DID, the principal and every hop's revocation id in the one spelling
 *    revocation matches (`malformed_input`, checks `did`, `principal`, `revocation_id`),
 *    every scope valid, every hop narrowing its parent (`malformed_input`,
 *    `scope_widened`, `depth_exceeded`);
 * 7. Macaroon: no discharge expired (`expired`, check `discharge_expiry`);
 * 8. revocation of any hop id (or Biscuit block id), agent in the chain or principal
 *    (`revoked`); a store that cannot know refuses with its own code (`revocation_stale`);
 * 9. `presenter` is the final holder (`holder_mismatch`);
 * 10. the task, when the request names one (`wrong_task`);
 * 11. hop by hop from the authority: its issue time, not after this verifier's time plus
 *     `clockToleranceSec` (`not_yet_valid`, check `issued_at`), then core's
 *     `assertPermits`: expiry (`expired`), audience
 *     (`wrong_audience`), action (`denied`, check `actions`), resource (`denied`, check
 *     `resources`; `resource_form` for a name only a prefix would cover, not in core's
 *     canonical form, e.g. `files:/reports/../hr`) — so hop 0's action is refused before
 *     hop 2's expiry;
 * 12. the first-party checks holders appended, in token order (Biscuit check-only blocks,
 *     Macaroon `time <` caveats): `denied`, check `first_party_check` (or
 *     `unsupported_check` for a Biscuit check this verifier does not evaluate);
 * 13. with `datalog`, biscuit-wasm's own parse and Datalog run (`denied`, check `datalog`;
 *     `resource_limit`).
 *
 * Returns what it verified, with the allow audit record. A refusal carries what was
 * verified by then, so `refusalRecord` records it without verifying the token again.
 *
 * @example
 * ```ts
 * const result = await authorize(tokenText, {
 *   request: { resource: 'files:/reports/q3.pdf', action: 'read', audience: 'did:web:files.example', task: 'q3-report' },
 *   presenter: provenAgentDid, trustedRoots: orgPublicKey, revocations: store,
 * });
 * await auditLog.append(result.record);
 * ```
 */
export async function authorize(token: CapabilityToken | string, options: AuthorizeOptions): Promise<AuthorizationResult> {
  // The verifier's own time first: with no usable time, no check below can mean anything.
  const nowMs = readClock(options.clock);
  const nowSeconds = Math.floor(nowMs / 1000);
  const tolerance = readClockTolerance(options.clockToleranceSec, DEFAULT_CLOCK_TOLERANCE_SEC);
  const limits = resolveLimits(options.limits);
  assertCapabilityRequest(options.request);
  const presenter = validateDid(options.presenter, 'presenter');
  const request = { ...options.request };
  let t: CapabilityToken;
  let verified: VerifiedTokenChain;
  try {
    t = toToken(token, limits.maxTokenChars);
    verified = await verifyTokenChain(t, options, limits);
  } catch (error) {
    // Nothing of the token verified: a record of this refusal must not verify it again.
    throw withVerified(error, typeof token === 'string' ? token : token instanceof CapabilityToken ? token.serialize() : undefined, undefined);
  }
  const { chain, revocationIds, blockRevocationIds, root } = verified;
  const known = verifiedChainOf(t.format, chain);
  try {
    assertDischargesLive(verified.dischargeExpiries, nowSeconds);
    if (options.revocations) assertNotRevokedBy(await lookUpRevocation(options.revocations, chain, revocationIds, blockRevocationIds), revocationIds, blockRevocationIds);
    assertHolder(chain, presenter);
    assertRequest(chain, request, nowSeconds, tolerance);
    // What holders appended without a hop (Biscuit check-only blocks, Macaroon `time <`
    // caveats), on the facts Datalog would see.
    if (verified.checks.length > 0) assertFirstPartyChecks(verified.checks, requestFacts(request, nowSeconds));
    // Biscuit only: a refused token never costs a wasm call, so Datalog runs last.
    if (root && options.datalog) {
      const refusal = await datalogRefusal(t, request, nowSeconds, root, limits, tolerance);
      if (refusal) throw refusal;
    }
  } catch (error) {
    throw withVerified(error, t.serialize(), known);
  }
  return {
    format: t.format,
    agent: presenter,
    onBehalfOf: chain.onBehalfOf,
    issuer: chain.issuer,
    task: chain.task,
    chain: known.chain,
    revocationIds,
    blockRevocationIds,
    effective: chain.hops.at(-1)!.granted,
    record: decisionRecord(
      {
        decision: 'allow',
        verified: known,
        agent: presenter,
        request,
        verifier: request.audience,
        datalog: root !== undefined && options.datalog === true,
        firstPartyChecks: verified.checks.length,
      },
      // The record bears the time the decision was made at, read once above.
      () => nowMs,
    ),
  };
}
