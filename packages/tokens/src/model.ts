import {
  type Capability,
  type CapabilityRequest,
  type DelegationHop,
  HolderMismatchError,
  MalformedInputError,
  SCOPE_LIMITS,
  type Scope,
  WrongTaskError,
  assertCanonicalResources,
  assertNarrows,
  assertPermits,
  assertScope,
  isWellFormed,
} from '@agent-id/core';
import { didKeyFromPublicKey, didWebFromDomain, parseDidWeb, publicKeyFromDidKey } from '@agent-id/did';

/** One hop as read from a token: hop 0 is the authority (issuer → first holder). */
export interface HopRecord extends DelegationHop {
  /** Revocation id of the block (Biscuit) or hop (Macaroon) that made this hop. */
  revocationId: string;
}

/** The chain a token claims, in order. */
export interface ChainRecord {
  issuer: string;
  onBehalfOf: string;
  task: string;
  hops: HopRecord[];
}

const MAX_TEXT = SCOPE_LIMITS.maxTextLength;

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
  assertText(capability.onBehalfOf, 'capability.onBehalfOf');
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
const acceptedDids = new Set<string>();

function canonicalAgentDid(did: string): boolean {
  if (!BARE_DID.test(did)) return false;
  try {
    // did:key: the one encoding of its key (publicKeyFromDidKey ignores a fragment, and
    // would accept an alias if it had one). did:web: lower-case host, encoded port.
    if (did.startsWith('did:key:')) return didKeyFromPublicKey(publicKeyFromDidKey(did)) === did;
    if (did.startsWith('did:web:')) {
      const { host, path } = parseDidWeb(did);
      return didWebFromDomain(host, path) === did;
    }
  } catch {
    return false;
  }
  return true;
}

/**
 * Validates the DID of an agent in a chain (issuer, holder, delegator, delegate): a bare
 * DID in its canonical spelling, so that `did#key-1`, `did?x` or a second encoding of the
 * same did:key cannot name an agent while escaping its revocation or holder checks.
 * Anything else is `malformed_input`.
 */
export function validateAgentDid(value: unknown, what: string): string {
  if (typeof value === 'string' && acceptedDids.has(value)) return value;
  assertText(value, what);
  if (!canonicalAgentDid(value)) {
    throw new MalformedInputError(`${what} must be a bare DID in canonical form (no fragment, query or path; did:key as its key encodes it): ${value.slice(0, 120)}`, { check: 'did' });
  }
  if (acceptedDids.size >= MAX_CACHED_DIDS) acceptedDids.delete(acceptedDids.values().next().value as string);
  acceptedDids.add(value);
  return value;
}

/**
 * Re-checks the chain a token claims: every DID canonical, each hop starts where the
 * previous ended, names a new delegate, and narrows its parent (`scope_widened` /
 * `depth_exceeded`); every scope passes core's validator (`malformed_input`, check `scope`).
 */
export function assertChain(chain: ChainRecord): void {
  const { hops } = chain;
  if (hops.length === 0) throw new MalformedInputError('token carries no authority', { check: 'chain' });
  // Every agent named by the chain, whichever format and reader produced it.
  validateAgentDid(chain.issuer, 'issuer');
  hops.forEach((hop, i) => {
    validateAgentDid(hop.from, `hop ${i} delegator`);
    validateAgentDid(hop.to, `hop ${i} delegate`);
  });
  if (hops[0]!.from !== chain.issuer) throw new MalformedInputError('hop 0 is not delegated by the issuer', { check: 'chain' });
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
 * Decides the request against the chain: the task first (`wrong_task`), then every hop's
 * scope from the authority down, each with core's one coded decision (`assertPermits`:
 * expiry, audience, action, resource). The first failure is reported, so hop 0's action
 * is refused before hop 2's expiry.
 */
export function assertRequest(chain: ChainRecord, request: CapabilityRequest, nowSeconds: number): void {
  if (request.task !== undefined && request.task !== chain.task) {
    throw new WrongTaskError(`token is for task ${chain.task.slice(0, 120)}, request is for ${request.task.slice(0, 120)}`);
  }
  for (let i = 0; i < chain.hops.length; i++) assertPermits(chain.hops[i]!.granted, request, nowSeconds, `hop ${i}`);
}

export function toDelegationHop(hop: HopRecord): DelegationHop {
  return { from: hop.from, to: hop.to, granted: hop.granted };
}

/** One block (Biscuit) or caveat group (Macaroon) as shown by `inspect`. */
export interface InspectedBlock {
  index: number;
  /** `authority`, `hop`, or `unattributed` for content no delegator could be shown to have signed. */
  kind: 'authority' | 'hop' | 'unattributed';
  revocationId: string;
  /** Datalog source (Biscuit, display only) or caveats (Macaroon), one per line. */
  source: string[];
}
