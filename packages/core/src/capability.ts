import { DeniedError, DepthExceededError, ExpiredError, MalformedInputError, ScopeWidenedError, WrongAudienceError } from './errors.js';
import { isWellFormed } from './unicode.js';

/**
 * What a token lets its holder do. Resources are exact names or prefix patterns ending
 * in `*` (`files:/reports/*`); actions are exact names.
 */
export interface Scope {
  resources: readonly string[];
  actions: readonly string[];
  /** DIDs of the services (verifiers) that may accept the token. */
  audience: readonly string[];
  /** Expiry, seconds since the Unix epoch. */
  expiresAt: number;
  /** How many further delegations are allowed below this holder. */
  maxDepth: number;
}

/** A capability as minted by an organisation's authority. */
export interface Capability extends Scope {
  /** The user or organisation on whose behalf the holder acts. */
  onBehalfOf: string;
  /** The agent DID the capability is minted to. */
  holder: string;
  /** The task the capability is for. */
  task: string;
}

/** One delegation hop: who handed what on to whom. */
export interface DelegationHop {
  /** Delegating DID (the organisation's authority for the first hop). */
  from: string;
  /** Delegate DID. */
  to: string;
  /** Effective scope after this hop. */
  granted: Scope;
}

/** A request a resource server decides on. */
export interface CapabilityRequest {
  resource: string;
  action: string;
  /** The verifier's own DID. */
  audience: string;
  /** Task the request belongs to, when the server knows it. */
  task?: string;
}

/**
 * Bounds of every scope, whatever carries it: lists of 1 to `maxEntries` distinct
 * non-empty strings of at most `maxTextLength` characters, an expiry in whole seconds up to
 * `maxExpiresAt` (9999-12-31T23:59:59Z, the last instant an ISO date can name) and a depth
 * from 0 to `maxDepth`. Requests' fields have the same length bound.
 */
export const SCOPE_LIMITS: Readonly<{ maxEntries: number; maxTextLength: number; maxExpiresAt: number; maxDepth: number }> = Object.freeze({
  maxEntries: 256,
  maxTextLength: 2048,
  maxExpiresAt: 253_402_300_799,
  maxDepth: 64,
});

function isText(value: unknown): value is string {
  // Lone surrogates have no UTF-8 form, so no token format can carry them.
  return typeof value === 'string' && value.length > 0 && value.length <= SCOPE_LIMITS.maxTextLength && isWellFormed(value);
}

function hasDuplicates(list: readonly string[]): boolean {
  // Scopes are short: a pairwise scan allocates nothing (this runs at every hop of every verification).
  if (list.length > 16) return new Set(list).size !== list.length;
  for (let i = 1; i < list.length; i++) for (let j = 0; j < i; j++) if (list[i] === list[j]) return true;
  return false;
}

/**
 * Asserts that an untrusted value is a valid {@link Scope} (see {@link SCOPE_LIMITS}):
 * resources, actions and audience lists of distinct non-empty, well-formed strings, a
 * whole-second `expiresAt` and an integer `maxDepth` in range. Anything else is
 * `malformed_input` (check `scope`): a missing or NaN `maxDepth` would otherwise compare
 * as "not exceeded" at every hop, and an empty list is a scope no format writes. The one
 * scope validator: minting, attenuating, narrowing and deciding all use it.
 *
 * @example
 * ```ts
 * const claims: unknown = JSON.parse(text);
 * assertScope(claims, 'hop 2 scope');
 * scopePermits(claims, request, now);
 * ```
 */
export function assertScope(value: unknown, what = 'scope'): asserts value is Scope {
  const scope = value as Partial<Record<keyof Scope, unknown>> | null;
  if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) {
    throw new MalformedInputError(`${what} is not an object`, { check: 'scope' });
  }
  for (const field of ['resources', 'actions', 'audience'] as const) {
    const list = scope[field];
    if (!Array.isArray(list) || list.length === 0 || list.length > SCOPE_LIMITS.maxEntries) {
      throw new MalformedInputError(`${what}.${field} must be a non-empty list of at most ${SCOPE_LIMITS.maxEntries} entries`, { check: 'scope' });
    }
    for (const item of list) {
      if (!isText(item)) {
        throw new MalformedInputError(`each of ${what}.${field} must be a non-empty, well-formed string of at most ${SCOPE_LIMITS.maxTextLength} characters`, { check: 'scope' });
      }
    }
    if (hasDuplicates(list)) throw new MalformedInputError(`${what}.${field} has duplicates`, { check: 'scope' });
  }
  const { expiresAt, maxDepth } = scope;
  if (typeof expiresAt !== 'number' || !Number.isSafeInteger(expiresAt) || expiresAt < 0 || expiresAt > SCOPE_LIMITS.maxExpiresAt) {
    throw new MalformedInputError(`${what}.expiresAt must be whole seconds since the epoch, up to year 9999`, { check: 'scope' });
  }
  if (typeof maxDepth !== 'number' || !Number.isSafeInteger(maxDepth) || maxDepth < 0 || maxDepth > SCOPE_LIMITS.maxDepth) {
    throw new MalformedInputError(`${what}.maxDepth must be an integer from 0 to ${SCOPE_LIMITS.maxDepth}`, { check: 'scope' });
  }
}

/**
 * Asserts that a request has the shape a decision needs: non-empty, well-formed `resource`,
 * `action` and `audience` strings of at most {@link SCOPE_LIMITS}`.maxTextLength`
 * characters, and a well-formed string `task` when given (`malformed_input`, check
 * `request`). A request that is not an object is a caller's bug (`TypeError`).
 *
 * @example
 * ```ts
 * assertCapabilityRequest({ resource: 'db:orders', action: 'read', audience: 'did:web:api' });
 * ```
 */
export function assertCapabilityRequest(request: CapabilityRequest): void {
  if (typeof request !== 'object' || request === null) throw new TypeError('request must be an object');
  for (const key of ['resource', 'action', 'audience'] as const) {
    if (!isText(request[key])) throw new MalformedInputError(`request.${key} must be a non-empty string`, { check: 'request' });
  }
  if (request.task !== undefined && (typeof request.task !== 'string' || !isWellFormed(request.task))) {
    throw new MalformedInputError('request.task must be a string', { check: 'request' });
  }
}

/**
 * Whether a resource pattern covers a resource name (exact, or prefix before a trailing `*`).
 * @example
 * ```ts
 * resourceMatches('files:/reports/*', 'files:/reports/q3.pdf'); // true
 * ```
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  return pattern.endsWith('*') ? resource.startsWith(pattern.slice(0, -1)) : pattern === resource;
}

/**
 * Whether `child` pattern denotes a subset of `parent` pattern.
 * @example
 * ```ts
 * patternWithin('files:/reports/q3/*', 'files:/reports/*'); // true
 * ```
 */
export function patternWithin(child: string, parent: string): boolean {
  if (!parent.endsWith('*')) return child === parent;
  return child.startsWith(parent.slice(0, -1));
}

/**
 * Throws `scope_widened` (or `depth_exceeded`) unless `child` is within `parent`: every
 * resource covered, every action and audience granted, no later expiry, and depth
 * strictly smaller (a delegation consumes one level). A scope of the wrong shape (see
 * {@link assertScope}) is `malformed_input`.
 *
 * @example
 * ```ts
 * assertNarrows(parentScope, { ...parentScope, actions: ['read'], maxDepth: parentScope.maxDepth - 1 });
 * ```
 */
export function assertNarrows(parent: Scope, child: Scope): void {
  assertScope(parent, 'parent scope');
  assertScope(child, 'child scope');
  if (parent.maxDepth < 1) throw new DepthExceededError('delegation depth is exhausted: the parent allows no further hop');
  for (const r of child.resources) {
    if (!parent.resources.some((p) => patternWithin(r, p))) throw new ScopeWidenedError(`resource "${r}" is outside the parent's resources`, { check: 'resources' });
  }
  for (const a of child.actions) {
    if (!parent.actions.includes(a)) throw new ScopeWidenedError(`action "${a}" is not granted by the parent`, { check: 'actions' });
  }
  for (const a of child.audience) {
    if (!parent.audience.includes(a)) throw new ScopeWidenedError(`audience "${a}" is not in the parent's audience`, { check: 'audience' });
  }
  if (child.expiresAt > parent.expiresAt) throw new ScopeWidenedError('expiry is later than the parent\'s', { check: 'expiry' });
  if (child.maxDepth > parent.maxDepth - 1) throw new ScopeWidenedError(`max depth ${child.maxDepth} exceeds the parent's remaining ${parent.maxDepth - 1}`, { check: 'depth' });
}

/**
 * Decides a request against one scope at a time (seconds since the epoch), with a code
 * for the first check that fails, in this order: expiry (`expired`), audience
 * (`wrong_audience`), action (`denied`, check `actions`), resource (`denied`, check
 * `resources`). Pure: no signatures, no revocation; token verifiers call it for every hop
 * after their own checks. Scope and request are validated first ({@link assertScope},
 * {@link assertCapabilityRequest}). `what` names the scope in messages (`hop 2`).
 *
 * @example
 * ```ts
 * assertPermits(hopScope, { resource: 'db:orders', action: 'read', audience: 'did:web:api' }, now, 'hop 2');
 * ```
 */
export function assertPermits(scope: Scope, request: CapabilityRequest, atSeconds: number, what = 'scope'): void {
  assertScope(scope, what);
  assertCapabilityRequest(request);
  if (!(atSeconds < scope.expiresAt)) throw new ExpiredError(`${what} expired at ${new Date(scope.expiresAt * 1000).toISOString()}`);
  if (!scope.audience.includes(request.audience)) {
    throw new WrongAudienceError(`${what} does not name ${request.audience.slice(0, 120)} as audience`);
  }
  if (!scope.actions.includes(request.action)) {
    throw new DeniedError(`${what} does not grant action "${request.action.slice(0, 80)}"`, { check: 'actions' });
  }
  if (!scope.resources.some((p) => resourceMatches(p, request.resource))) {
    throw new DeniedError(`${what} does not grant resource "${request.resource.slice(0, 120)}"`, { check: 'resources' });
  }
}

/**
 * Whether a scope permits a request at a time (seconds since epoch): {@link assertPermits}
 * as a boolean. A scope or request of the wrong shape is still `malformed_input` rather
 * than a quiet answer (a string in place of the actions array would otherwise match
 * substrings).
 *
 * @example
 * ```ts
 * scopePermits(scope, { resource: 'db:orders', action: 'read', audience: 'did:web:api' }, now);
 * ```
 */
export function scopePermits(scope: Scope, request: CapabilityRequest, atSeconds: number): boolean {
  try {
    assertPermits(scope, request, atSeconds);
    return true;
  } catch (error) {
    if (error instanceof ExpiredError || error instanceof WrongAudienceError || error instanceof DeniedError) return false;
    throw error;
  }
}

/**
 * The scope a child would get by narrowing a parent: fields not given are inherited,
 * and depth goes down by one.
 * @example
 * ```ts
 * const child = narrowScope(parent, { actions: ['read'] });
 * ```
 */
export function narrowScope(parent: Scope, narrowing: Partial<Scope>): Scope {
  return {
    resources: narrowing.resources ?? parent.resources,
    actions: narrowing.actions ?? parent.actions,
    audience: narrowing.audience ?? parent.audience,
    expiresAt: narrowing.expiresAt ?? parent.expiresAt,
    maxDepth: narrowing.maxDepth ?? parent.maxDepth - 1,
  };
}
