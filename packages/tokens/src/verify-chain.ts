import type { DelegationHop, PublicKey } from '@agent-id/core';
import { UntrustedIssuerError, base64urlEncode } from '@agent-id/core';
import { PLATFORM, equalBytes } from '@agent-id/core/internal';
import { verifyBiscuit, verifyBiscuitAsync } from './biscuit/chain.js';
import { DEFAULT_LIMITS, type TokenLimits, resolveLimits } from './limits.js';
import { evaluateMacaroon } from './macaroon/authorize.js';
import { type FirstPartyCheck, checksWeight } from './first-party.js';
import { type ChainRecord, assertChain, toDelegationHop } from './model.js';
import type { MacaroonRootSecret, TrustedRootKey, TrustedRoots } from './roots.js';
import { type CapabilityToken, type TokenFormat, bytesOf, ownBytesOf, toToken } from './token.js';
import { toArray } from './util.js';
import { cachedChain, rememberChain } from './signature-cache.js';

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  trustedRoots?: TrustedRoots;
  rootSecrets?: MacaroonRootSecret | readonly MacaroonRootSecret[];
  /** Discharge macaroons bound to the token (Macaroon third-party caveats). */
  discharges?: readonly (CapabilityToken | string)[];
  limits?: Partial<TokenLimits>;
}

/** A chain whose signatures and narrowing were verified; nothing about any request. */
export interface VerifiedChain {
  format: TokenFormat;
  issuer: string;
  onBehalfOf: string;
  task: string;
  chain: DelegationHop[];
}

/**
 * Verifies who minted a token and who delegated it to whom, and when — signatures against
 * the trusted roots, every hop signed by its delegator, narrowing its parent and issued no
 * earlier than it — without deciding any request: no expiry (of discharges neither), issue
 * time against a clock, audience, holder, request or revocation check. For records about a refused request (whose chain is still worth knowing), never to
 * grant access: use `authorize` for that.
 *
 * @example
 * ```ts
 * const { onBehalfOf, chain } = await verifyChain(token, { trustedRoots: orgPublicKey });
 * ```
 */
export async function verifyChain(token: CapabilityToken | string, options: VerifyChainOptions): Promise<VerifiedChain> {
  const limits = resolveLimits(options.limits);
  const t = toToken(token, limits.maxTokenChars);
  return verifiedChainOf(t.format, (await verifyTokenChain(t, options, limits)).chain);
}

/** @internal The public view of a verified chain record. */
export function verifiedChainOf(format: TokenFormat, chain: ChainRecord): VerifiedChain {
  return { format, issuer: chain.issuer, onBehalfOf: chain.onBehalfOf, task: chain.task, chain: hopsOf(chain) };
}

// The hops of a chain the chain cache holds (deeply frozen) are shown by one frozen view,
// made once: every request it allows is recorded with that view, and the canonical text of
// a frozen value is computed once.
const frozenHops = new WeakMap<ChainRecord, DelegationHop[]>();

function hopsOf(chain: ChainRecord): DelegationHop[] {
  if (!Object.isFrozen(chain)) return chain.hops.map(toDelegationHop);
  let hops = frozenHops.get(chain);
  if (hops === undefined) {
    hops = Object.freeze(chain.hops.map((hop) => Object.freeze(toDelegationHop(hop)))) as DelegationHop[];
    frozenHops.set(chain, hops);
  }
  return hops;
}

/** What {@link verifyTokenChain} proved. */
export interface VerifiedTokenChain {
  chain: ChainRecord;
  /** Each hop's revocation id, parallel to `chain.hops` (ids no re-signing changes). */
  revocationIds: string[];
  /** Biscuit: Biscuit's own revocation id (the signature) of every block; Macaroon: none. */
  blockRevocationIds: string[];
  /** First-party checks a holder appended (Biscuit check-only blocks, Macaroon `time <` caveats), decided by `authorize`. */
  checks: FirstPartyCheck[];
  /** The Biscuit root that verified the token. */
  root: PublicKey | undefined;
  /** Macaroon: each discharge's expiry, in the order given (decided by `authorize` only). */
  dischargeExpiries: number[];
}

/** A root key's name in the chain cache's key: its type and bytes. */
function rootId(key: PublicKey): string {
  return `${key.type} ${base64urlEncode(key.bytes)}`;
}

const DEFAULT_LIMITS_ID = JSON.stringify(DEFAULT_LIMITS);
function limitsId(limits: Readonly<TokenLimits>): string {
  return limits === DEFAULT_LIMITS ? DEFAULT_LIMITS_ID : JSON.stringify(limits);
}

type TrustedRoot = TrustedRootKey;

// Trust descriptions by the roots option they were made from (a list, or one root), reused
// while it holds the same roots under the same limits: compared member by member and key by
// key (type and bytes, which a caller can change in place), so a list or a key changed since
// is described again.
interface TrustSnapshot {
  members: unknown[];
  keys: { type: string; bytes: Uint8Array }[];
  limits: Readonly<TokenLimits>;
  key: string;
}
const trustKeys = new WeakMap<object, TrustSnapshot>();

function keyOf(r: TrustedRoot): PublicKey {
  return 'issuer' in r && 'publicKey' in r ? r.publicKey : r;
}

function membersOf(list: readonly TrustedRoot[]): unknown[] {
  return list.flatMap((r) => ('issuer' in r && 'publicKey' in r ? [r, r.issuer, r.publicKey] : [r]));
}

function sameRoots(list: readonly TrustedRoot[], known: TrustSnapshot): boolean {
  const { members, keys } = known;
  let i = 0;
  for (const r of list) {
    if ('issuer' in r && 'publicKey' in r) {
      if (members[i++] !== r || members[i++] !== r.issuer || members[i++] !== r.publicKey) return false;
    } else if (members[i++] !== r) return false;
  }
  if (i !== members.length) return false;
  return list.every((r, k) => {
    const key = keyOf(r);
    return key.type === keys[k]!.type && equalBytes(key.bytes, keys[k]!.bytes);
  });
}

/** Names the trusted roots and limits in the chain cache's key. */
function trustKeyOf(source: TrustedRoots | undefined, list: readonly TrustedRoot[], limits: Readonly<TokenLimits>): string {
  const known = typeof source === 'object' && source !== null ? trustKeys.get(source) : undefined;
  if (known !== undefined && known.limits === limits && sameRoots(list, known)) return known.key;
  const key = JSON.stringify([list.map((r) => ('issuer' in r && 'publicKey' in r ? [r.issuer, rootId(r.publicKey)] : rootId(r))), limitsId(limits)]);
  if (typeof source === 'object' && source !== null) {
    const keys = list.map((r) => ({ type: keyOf(r).type, bytes: Uint8Array.from(keyOf(r).bytes) }));
    trustKeys.set(source, { members: membersOf(list), keys, limits, key });
  }
  return key;
}

/**
 * @internal The signatures and chain of a token, either format, against the trusted roots
 * (`untrusted_issuer` when there are none for its format), discharges included (their
 * signatures; their expiry is returned, not decided), then `assertChain`. Exactly what
 * {@link verifyChain} proves; `authorize` starts from it. A Biscuit verified before with
 * the same trust and limits comes from the chain cache; otherwise its signatures verify
 * natively on Node, with WebCrypto elsewhere.
 */
export async function verifyTokenChain(
  t: CapabilityToken,
  trust: Pick<VerifyChainOptions, 'trustedRoots' | 'rootSecrets' | 'discharges'>,
  limits: TokenLimits,
): Promise<VerifiedTokenChain> {
  let verified: VerifiedTokenChain;
  if (t.format === 'biscuit') {
    const trusted = toArray(trust.trustedRoots);
    if (trusted.length === 0) throw new UntrustedIssuerError('this verifier trusts no Biscuit root key', { check: 'root_key' });
    const trustKey = trustKeyOf(trust.trustedRoots, trusted, limits);
    // Keyed by the canonical base64url text (one text per byte string), so a hit decodes nothing.
    const hit = cachedChain<VerifiedTokenChain>(trustKey, t.serialize());
    if (hit !== undefined) return hit;
    const { chain, revocationIds, blockRevocationIds, checks, root } = PLATFORM === 'node' ? verifyBiscuit(bytesOf(t), trusted, limits) : await verifyBiscuitAsync(ownBytesOf(t), trusted, limits);
    const result: VerifiedTokenChain = { chain, revocationIds, blockRevocationIds, checks, root, dischargeExpiries: [] };
    assertChain(result.chain);
    return rememberChain(trustKey, t.serialize(), result, checksWeight(checks));
  } else {
    const secrets = toArray(trust.rootSecrets);
    if (secrets.length === 0) throw new UntrustedIssuerError('this verifier trusts no Macaroon root secret', { check: 'root_key' });
    verified = { ...evaluateMacaroon(t, secrets, trust.discharges ?? [], limits), blockRevocationIds: [], root: undefined };
  }
  assertChain(verified.chain);
  return verified;
}
