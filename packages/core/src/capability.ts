import { DepthExceededError, MalformedInputError, ScopeWidenedError } from './errors.js';

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

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * Asserts that an untrusted value has the shape of a {@link Scope}: string arrays for
 * resources, actions and audience, a finite `expiresAt` and a non-negative integer
 * `maxDepth`. Anything else is `malformed_input` (check `scope`): a missing or NaN
 * `maxDepth` would otherwise compare as "not exceeded" at every hop.
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
    if (!isStringArray(scope[field])) throw new MalformedInputError(`${what}.${field} must be an array of strings`, { check: 'scope' });
  }
  if (typeof scope.expiresAt !== 'number' || !Number.isFinite(scope.expiresAt)) {
    throw new MalformedInputError(`${what}.expiresAt must be a finite number of seconds`, { check: 'scope' });
  }
  if (typeof scope.maxDepth !== 'number' || !Number.isSafeInteger(scope.maxDepth) || scope.maxDepth < 0) {
    throw new MalformedInputError(`${what}.maxDepth must be a non-negative integer`, { check: 'scope' });
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
 * Whether a scope permits a request at a time (seconds since epoch). Pure: no
 * signatures, no revocation; token verifiers call this after their own checks. A scope
 * of the wrong shape is `malformed_input` rather than a quiet answer (a string in place
 * of the actions array would otherwise match substrings).
 *
 * @example
 * ```ts
 * scopePermits(scope, { resource: 'db:orders', action: 'read', audience: 'did:web:api' }, now);
 * ```
 */
export function scopePermits(scope: Scope, request: CapabilityRequest, atSeconds: number): boolean {
  assertScope(scope);
  return (
    atSeconds < scope.expiresAt &&
    scope.audience.includes(request.audience) &&
    scope.actions.includes(request.action) &&
    scope.resources.some((p) => resourceMatches(p, request.resource))
  );
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
