import {
  type Capability,
  type CapabilityRequest,
  type DelegationHop,
  DeniedError,
  ExpiredError,
  HolderMismatchError,
  MalformedInputError,
  type Scope,
  WrongAudienceError,
  WrongTaskError,
  assertNarrows,
  isWellFormed,
  resourceMatches,
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

const MAX_TEXT = 2048;
/** Latest expiry representable as an ISO date (9999-12-31T23:59:59Z). */
export const MAX_EXPIRY = 253_402_300_799;

function assertText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw new MalformedInputError(`${what} must be a non-empty string of at most ${MAX_TEXT} characters`, { check: 'capability' });
  }
  // Lone surrogates cannot be carried by UTF-8 token encodings.
  if (!isWellFormed(value)) throw new MalformedInputError(`${what} is not well-formed Unicode`, { check: 'capability' });
}

function assertList(value: unknown, what: string): asserts value is readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 256) {
    throw new MalformedInputError(`${what} must be a non-empty list of at most 256 entries`, { check: 'capability' });
  }
  for (const item of value) assertText(item, `each of ${what}`);
  if (new Set(value).size !== value.length) throw new MalformedInputError(`${what} has duplicates`, { check: 'capability' });
}

/** Validates a scope's shape (not its narrowing). */
export function validateScope(scope: Scope, what = 'scope'): Scope {
  if (typeof scope !== 'object' || scope === null) throw new MalformedInputError(`${what} is not an object`, { check: 'capability' });
  assertList(scope.resources, `${what}.resources`);
  assertList(scope.actions, `${what}.actions`);
  assertList(scope.audience, `${what}.audience`);
  if (!Number.isSafeInteger(scope.expiresAt) || scope.expiresAt < 0 || scope.expiresAt > MAX_EXPIRY) {
    throw new MalformedInputError(`${what}.expiresAt must be whole seconds since the epoch, up to year 9999`, { check: 'capability' });
  }
  if (!Number.isSafeInteger(scope.maxDepth) || scope.maxDepth < 0 || scope.maxDepth > 64) {
    throw new MalformedInputError(`${what}.maxDepth must be an integer from 0 to 64`, { check: 'capability' });
  }
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
  const scope = validateScope(capability, 'capability');
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
 * Re-checks the chain a token claims: each hop starts where the previous ended, names a
 * new delegate, and narrows its parent (`scope_widened` / `depth_exceeded`).
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
 * Checks the request against every hop's scope with a specific code per failed check.
 * Format-specific evaluation (Datalog, caveats) runs as well; this gives the reason.
 */
export function assertRequest(chain: ChainRecord, request: CapabilityRequest, nowSeconds: number): void {
  if (request.task !== undefined && request.task !== chain.task) {
    throw new WrongTaskError(`token is for task ${chain.task.slice(0, 120)}, request is for ${request.task.slice(0, 120)}`);
  }
  chain.hops.forEach((hop, i) => {
    const s = hop.granted;
    if (nowSeconds >= s.expiresAt) {
      throw new ExpiredError(`hop ${i} expired at ${new Date(s.expiresAt * 1000).toISOString()}`);
    }
    if (!s.audience.includes(request.audience)) {
      throw new WrongAudienceError(`hop ${i} does not name ${request.audience.slice(0, 120)} as audience`);
    }
    if (!s.actions.includes(request.action)) {
      throw new DeniedError(`hop ${i} does not grant action "${request.action.slice(0, 80)}"`, { check: 'actions' });
    }
    if (!s.resources.some((p) => resourceMatches(p, request.resource))) {
      throw new DeniedError(`hop ${i} does not grant resource "${request.resource.slice(0, 120)}"`, { check: 'resources' });
    }
  });
}

export function validateRequest(request: CapabilityRequest): void {
  if (typeof request !== 'object' || request === null) throw new TypeError('request must be an object');
  for (const key of ['resource', 'action', 'audience'] as const) {
    if (typeof request[key] !== 'string' || request[key].length === 0 || request[key].length > MAX_TEXT || !isWellFormed(request[key])) {
      throw new MalformedInputError(`request.${key} must be a non-empty string`, { check: 'request' });
    }
  }
  if (request.task !== undefined && (typeof request.task !== 'string' || !isWellFormed(request.task))) {
    throw new MalformedInputError('request.task must be a string', { check: 'request' });
  }
}

/** Resource patterns split the way the Datalog checks use them. */
export function splitResources(resources: readonly string[]): { exact: string[]; prefixes: string[] } {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const r of resources) (r.endsWith('*') ? prefixes.push(r.slice(0, -1)) : exact.push(r));
  return { exact, prefixes };
}

export function joinResources(exact: readonly string[], prefixes: readonly string[]): string[] {
  return [...exact, ...prefixes.map((p) => `${p}*`)];
}

export function toDelegationHop(hop: HopRecord): DelegationHop {
  return { from: hop.from, to: hop.to, granted: hop.granted };
}
