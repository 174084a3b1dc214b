import {
  type Capability,
  type CapabilityRequest,
  type DelegationHop,
  HolderMismatchError,
  MalformedInputError,
  NotYetValidError,
  SCOPE_LIMITS,
  type Scope,
  WrongTaskError,
  assertCanonicalResources,
  assertNarrows,
  assertCapabilityRequest,
  assertScope,
} from '@agent-id/core';
import { BoundedSet, decidePermits, isWellFormed } from '@agent-id/core/internal';
import { didKeyFromPublicKey, didWebFromDomain, parseDidWeb, publicKeyFromDidKey } from '@agent-id/did';

/** One hop as read from a token: hop 0 is the authority (issuer → first holder). */
export interface HopRecord extends DelegationHop {
  /**
   * The id this hop is revoked by: Biscuit, SHA-256 of what the hop's issuer signed (see
   * biscuit/revocation-ids.ts), which no re-signing changes; Macaroon, `tid` or the hop's
   * signed `id`.
   */
  revocationId: string;
  /** When the hop was made (seconds): every hop of every token carries it. */
  issuedAt: number;
}

/** The clock tolerance `authorize` allows by default: a hop issued up to 60 s after the verifier's time is accepted. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 60;

/** The chain a token claims, in order. */
export interface ChainRecord {
  issuer: string;
  onBehalfOf: string;
  task: string;
  hops: HopRecord[];
}

const MAX_TEXT = SCOPE_LIMITS.maxTextLength;
const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString();

function assertText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw new MalformedInputError(`${what} must be a non-empty string of at most ${MAX_TEXT} characters`, { check: 'capability' });
  }
  // Lone surrogates cannot be carried by UTF-8 token encodings.
  if (!isWellFormed(value)) throw new MalformedInputError(`${what} is not well-formed Unicode`, { check: 'capability' });
}

/**
 * A scope from a caller (a capability to mint, a narrowing), validated by core's one
 * validator (`assertScope`), every resource in canonical form (`assertCanonicalResources`:
 * `malformed_input`, check `resource`; a prefix grants only canonical names, so a
 * non-canonical one could only ever be dead or an alias), and copied, so the caller cannot
 * change it afterwards.
 */
export function validScope(scope: Scope, what: string): Scope {
  assertScope(scope, what);
  assertCanonicalResources(scope.resources, what);
  return {
    resources: [...scope.resources],
    actions: [...scope.actions],
    audience: [...scope.audience],
    expiresAt: scope.expiresAt,
    maxDepth: scope.maxDepth,
  };
}

/** Validates a capability to mint. */
export function validateCapability(capability: Capability): Capability {
  const scope = validScope(capability, 'capability');
  validateAgentDid(capability.holder, 'capability.holder');
  validatePrincipal(capability.onBehalfOf, 'capability.onBehalfOf');
  assertText(capability.task, 'capability.task');
  return { ...scope, holder: capability.holder, onBehalfOf: capability.onBehalfOf, task: capability.task };
}

export function validateDid(value: unknown, what: string): string {
  assertText(value, what);
  return value;
}

/**
 * A bare DID (W3C DID syntax: no path, query or fragment; percent-encoding in upper case).
 * Revocation, holder and delegator checks compare DIDs as strings, so one agent must have
 * exactly one spelling.
 */
const BARE_DID = /^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-F]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+$/;
// Validation depends only on the string: remember the last few accepted ones.
const MAX_CACHED_DIDS = 1024;
const acceptedDids = new BoundedSet<string>(MAX_CACHED_DIDS);

/**
 * The one spelling chains use for the agent a DID (or DID URL) names, or undefined when it
 * names none: surrounding white space, path, query and fragment dropped; did:key as its
 * key encodes it (publicKeyFromDidKey refuses the uncompressed alias of an EC key);
 * did:web rebuilt from its host and path (lower-case host, `%3A` before a port); any other
 * method as written, if it is a bare DID.
 */
export function canonicalAgentDidOf(text: string): string | undefined {
  const bare = text.trim().split(/[/?#]/, 1)[0]!;
  try {
    if (bare.startsWith('did:key:')) return didKeyFromPublicKey(publicKeyFromDidKey(bare));
    if (bare.startsWith('did:web:')) {
      const { host, path } = parseDidWeb(bare);
      return didWebFromDomain(host, path);
    }
  } catch {
    return undefined;
  }
  return BARE_DID.test(bare) ? bare : undefined;
}

/** Whether a DID is a bare DID in the one spelling chains use ({@link canonicalAgentDidOf} gives it back unchanged). */
export function isCanonicalAgentDid(value: string): boolean {
  return BARE_DID.test(value) && canonicalAgentDidOf(value) === value;
}

/**
 * Validates the DID of an agent in a chain (issuer, holder, delegator, delegate): a bare
 * DID in its canonical spelling ({@link isCanonicalAgentDid}), so
 * that `did#key-1`, `did?x` or a second encoding of the same did:key cannot name an agent
 * while escaping its revocation or holder checks. Anything else is `malformed_input`
 * (check `did`).
 */
export function validateAgentDid(value: unknown, what: string): string {
  if (typeof value === 'string' && acceptedDids.has(value)) return value;
  assertText(value, what);
  if (!isCanonicalAgentDid(value)) {
    throw new MalformedInputError(`${what} must be a bare DID in canonical form (no fragment, query or path; did:key as its key encodes it): ${value.slice(0, 120)}`, { check: 'did' });
  }
  acceptedDids.add(value);
  return value;
}

// C0 and C1 control characters and DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why a principal (the user or organisation a chain acts for) is not in the one form a
 * chain may carry it, or undefined when it is: 1 to 2,048 characters of well-formed
 * Unicode in NFC, no control character, no white space at either end, and when it is a
 * DID (`did:…`), a bare DID in canonical form. Principals are matched as strings (by
 * revocation, by audit queries), so each has one spelling: `alice` and ` alice`, or NFC and
 * NFD forms of the same name, would otherwise be two principals, and revoking one would
 * leave the other acting.
 */
export function principalProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) return `must be a non-empty string of at most ${MAX_TEXT} characters`;
  if (!isWellFormed(value)) return 'is not well-formed Unicode';
  if (CONTROL.test(value)) return 'holds a control character';
  if (/^\s|\s$/.test(value)) return 'starts or ends with white space';
  if (value.normalize('NFC') !== value) return 'is not in Unicode normalization form C (NFC)';
  if (value.startsWith('did:') && !isCanonicalAgentDid(value)) {
    const canonical = canonicalAgentDidOf(value);
    return `is a DID not in canonical form (bare, no fragment, query or path${canonical ? `; its canonical form is ${canonical}` : ''})`;
  }
  return undefined;
}

// Principals found in their one form, by their text (the finding is a pure function of it):
// every chain names one, and the same users come back.
const acceptedPrincipals = new BoundedSet<string>(MAX_CACHED_DIDS);

/** Validates a principal ({@link principalProblem}): `malformed_input`, check `principal`. */
export function validatePrincipal(value: unknown, what: string): string {
  if (typeof value === 'string' && acceptedPrincipals.has(value)) return value;
  const problem = principalProblem(value);
  if (problem !== undefined) throw new MalformedInputError(`${what} ${problem}: ${String(value).slice(0, 120)}`, { check: 'principal' });
  acceptedPrincipals.add(value as string);
  return value as string;
}

// Biscuit: a hop id (SHA-256, 32 bytes) or a block's Ed25519 signature (64 bytes), lower-case
// hex. Macaroon: 16 random
// bytes, base64url without padding (22 characters, the last one carrying 2 bits). The two
// lengths differ, so no id of one form is another encoding of an id of the other.
const HEX_ID = /^(?:[0-9a-f]{64}|[0-9a-f]{128})$/;
const BASE64URL_ID = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/**
 * Whether a token id (a hop's revocation id) is in the exact form this package writes it:
 * a Biscuit hop id (64 lower-case hex digits, a SHA-256) or block id (128, an Ed25519 block
 * signature — every Biscuit block this package accepts is Ed25519-signed), or the 22-character
 * base64url form, without padding, of 16 random bytes (a Macaroon `tid` or hop `id`).
 * Nothing else can match a chain: upper-case hex, padding, white space or another
 * encoding of the same bytes is a different string.
 *
 * @example
 * ```ts
 * isRevocationId(result.revocationIds[0]); // true
 * isRevocationId(` ${result.revocationIds[0]}`); // false
 * ```
 */
export function isRevocationId(id: unknown): id is string {
  return typeof id === 'string' && (HEX_ID.test(id) || BASE64URL_ID.test(id));
}

/**
 * Re-checks the chain a token claims: every DID canonical, each hop starts where the
 * previous ended, names a new delegate, and narrows its parent (`scope_widened` /
 * `depth_exceeded`); every scope passes core's validator (`malformed_input`, check `scope`).
 */
export function assertChain(chain: ChainRecord): void {
  const { hops } = chain;
  if (hops.length === 0) throw new MalformedInputError('token carries no authority', { check: 'chain' });
  // Every agent named by the chain, whichever format and reader produced it, and the
  // principal: each in the one spelling revocation matches.
  validateAgentDid(chain.issuer, 'issuer');
  validatePrincipal(chain.onBehalfOf, 'on-behalf-of');
  hops.forEach((hop, i) => {
    validateAgentDid(hop.from, `hop ${i} delegator`);
    validateAgentDid(hop.to, `hop ${i} delegate`);
    // Every hop must be revocable by its id: one in another form could never be revoked.
    if (!isRevocationId(hop.revocationId)) throw new MalformedInputError(`hop ${i}'s revocation id is not in the form this package writes`, { check: 'revocation_id' });
  });
  if (hops[0]!.from !== chain.issuer) throw new MalformedInputError('hop 0 is not delegated by the issuer', { check: 'chain' });
  // Issue times: whole seconds in a scope's range, never going backwards along the chain
  // (a hop cannot be made before the hop it extends).
  hops.forEach((hop, i) => {
    const at = hop.issuedAt;
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0 || at > SCOPE_LIMITS.maxExpiresAt) {
      throw new MalformedInputError(`hop ${i}'s issue time is not whole seconds since the epoch, up to year 9999`, { check: 'issued_at' });
    }
    if (i > 0 && at < hops[i - 1]!.issuedAt) {
      throw new MalformedInputError(`hop ${i} was issued at ${isoTime(at)}, before hop ${i - 1} (${isoTime(hops[i - 1]!.issuedAt)}): a chain's times never go backwards`, { check: 'issued_at' });
    }
  });
  // Every scope is one core's validator accepts: hop 0's here, the others as children below.
  assertScope(hops[0]!.granted, 'hop 0');
  for (let i = 1; i < hops.length; i++) {
    const parent = hops[i - 1]!;
    const hop = hops[i]!;
    if (hop.from !== parent.to) {
      throw new MalformedInputError(`hop ${i} is delegated by ${hop.from}, but hop ${i - 1} went to ${parent.to}`, { check: 'chain' });
    }
    if (hop.to === hop.from) throw new MalformedInputError(`hop ${i} delegates to its own delegator`, { check: 'chain' });
    try {
      assertNarrows(parent.granted, hop.granted);
    } catch (error) {
      if (error instanceof Error) error.message = `hop ${i}: ${error.message}`;
      throw error;
    }
  }
}

/** The final holder: the last hop's delegate. */
export function holderOf(chain: ChainRecord): string {
  return chain.hops.at(-1)!.to;
}

export function assertHolder(chain: ChainRecord, presenter: string): void {
  const holder = holderOf(chain);
  if (presenter !== holder) {
    throw new HolderMismatchError(`token is held by ${holder.slice(0, 120)}, presented by ${String(presenter).slice(0, 120)}`);
  }
}

/**
 * Refuses a hop issued after the verifier's time plus its tolerance: `not_yet_valid`,
 * check `issued_at`. A token cannot be used before it existed; the tolerance absorbs the
 * skew between the issuer's clock and the verifier's.
 */
export function assertIssued(hop: HopRecord, nowSeconds: number, toleranceSec: number, what: string): void {
  if (nowSeconds + toleranceSec < hop.issuedAt) {
    throw new NotYetValidError(`${what} was issued at ${isoTime(hop.issuedAt)}, after this verifier's time ${isoTime(nowSeconds)} (tolerance ${toleranceSec} s)`, { check: 'issued_at' });
  }
}

/**
 * Decides the request against the chain: the task first (`wrong_task`), then every hop
 * from the authority down: its issue time (`not_yet_valid`, check `issued_at`, beyond
 * `toleranceSec`), then its scope with core's one coded decision (`assertPermits`: expiry,
 * audience, action, resource). The first failure is reported, so hop 0's action is refused
 * before hop 2's expiry. The chain is one `assertChain` accepted (its scopes valid).
 */
export function assertRequest(chain: ChainRecord, request: CapabilityRequest, nowSeconds: number, toleranceSec: number): void {
  if (request.task !== undefined && request.task !== chain.task) {
    throw new WrongTaskError(`token is for task ${chain.task.slice(0, 120)}, request is for ${request.task.slice(0, 120)}`);
  }
  assertCapabilityRequest(request);
  // Every hop's scope passed assertChain; the request's form is read once for all hops.
  const form: { canonical?: boolean } = {};
  for (let i = 0; i < chain.hops.length; i++) {
    const hop = chain.hops[i]!;
    assertIssued(hop, nowSeconds, toleranceSec, `hop ${i}`);
    decidePermits(hop.granted, request, nowSeconds, `hop ${i}`, form);
  }
}

export function toDelegationHop(hop: HopRecord): DelegationHop {
  return { from: hop.from, to: hop.to, granted: hop.granted, issuedAt: hop.issuedAt };
}

/** One block (Biscuit) or caveat group (Macaroon) as shown by `inspect`. */
export interface InspectedBlock {
  index: number;
  /**
   * `authority`, `hop`, `checks` (Biscuit: a holder's first-party block of checks only), or
   * `unattributed` for content no delegator could be shown to have signed.
   */
  kind: 'authority' | 'hop' | 'checks' | 'unattributed';
  /**
   * The id to revoke by: a hop's own revocation id (Biscuit: a hash of what its issuer
   * signed, which no re-signing changes; Macaroon: `tid` or the hop's `id`), or for a
   * Biscuit block of checks, its Biscuit id.
   */
  revocationId: string;
  /** Biscuit: the block's own Biscuit revocation id (its signature), checked too. */
  blockRevocationId?: string;
  /** Datalog source (Biscuit, display only) or caveats (Macaroon), one per line. */
  source: string[];
}
