import { BoundedMap } from './bounded.js';
import { DeniedError, DepthExceededError, ExpiredError, MalformedInputError, ScopeWidenedError, WrongAudienceError } from './errors.js';
import { isWellFormed } from './unicode.js';

/**
 * What a token lets its holder do. Resources are exact names or prefix patterns ending
 * in `*` (`files:/reports/*`); a prefix covers only names in canonical form
 * ({@link isCanonicalResource}). Actions are exact names.
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

/** One delegation hop: who handed what on to whom, and when. */
export interface DelegationHop {
  /** Delegating DID (the organisation's authority for the first hop). */
  from: string;
  /** Delegate DID. */
  to: string;
  /** Effective scope after this hop. */
  granted: Scope;
  /**
   * When the hop was made, whole seconds since the Unix epoch. Every token `@agent-id/tokens`
   * writes carries it (a hop is refused by a verifier whose time is before it, beyond the
   * verifier's clock tolerance); absent only in records written before hops carried it.
   */
  issuedAt?: number;
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

// C0 and C1 control characters and DEL: never part of a name a person or a path means.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const UNRESERVED = /^[A-Za-z0-9._~-]$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks the percent-encodings of a resource in canonical form: each `%` starts a triplet
 * of upper-case hex digits; no triplet encodes an unreserved character (written as itself),
 * a separator (`/`, `\`) or a control character; each run of triplets is valid UTF-8 (an
 * overlong `%C0%AE` is a classic second spelling of `.`).
 */
function percentEncodingsCanonical(text: string): boolean {
  let i = text.indexOf('%');
  while (i !== -1) {
    const run: number[] = [];
    while (text[i] === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return false;
      const byte = Number.parseInt(hex, 16);
      if (byte < 0x80 && (UNRESERVED.test(String.fromCharCode(byte)) || byte === 0x2f || byte === 0x5c || CONTROL.test(String.fromCharCode(byte)))) return false;
      run.push(byte);
      i += 3;
    }
    let decoded: string;
    try {
      decoded = strictUtf8.decode(Uint8Array.from(run));
    } catch {
      return false;
    }
    if (CONTROL.test(decoded)) return false;
    i = text.indexOf('%', i);
  }
  return true;
}

/** A dot segment, also followed by `;parameters` (servers that strip them see `..`). */
function isDotSegment(segment: string): boolean {
  if (segment.charCodeAt(0) !== 46) return false; // not starting with '.'
  const name = segment.split(';', 1)[0];
  return name === '.' || name === '..';
}

/**
 * Whether a resource name is in canonical form, the only form a prefix pattern (`…/*`)
 * grants: no control character, no backslash, percent-encoding only where needed (upper-case
 * hex, never of an unreserved character, `/`, `\` or a control character, valid UTF-8), and
 * a path with no dot segment (`.`, `..`, also as `..;x`) and no empty segment (`//`). The
 * path is the name after its scheme (`files:`) and, when it has one, its authority
 * (`https://host`); a leading and a trailing `/` are fine. {@link canonicalResourcePath}
 * turns a URL path into this form.
 *
 * @example
 * ```ts
 * isCanonicalResource('files:/reports/q3.pdf');          // true
 * isCanonicalResource('files:/reports/../hr/pay.xlsx');  // false: a dot segment
 * isCanonicalResource('files:/reports/%2e%2e/hr');       // false: an encoded dot
 * ```
 */
export function isCanonicalResource(resource: string): boolean {
  if (typeof resource !== 'string') return false;
  const known = resource.length <= MAX_KEPT_CHARS ? canonicalNames.get(resource) : undefined;
  if (known !== undefined) return known;
  const answer = readCanonical(resource);
  keep(canonicalNames, resource, answer);
  return answer;
}

// Answers for names and paths seen before, by their exact text (functions of the text alone):
// a server decides the same few paths again and again, and each reading walks the name.
const MAX_KEPT = 1024;
const MAX_KEPT_CHARS = 512;
const canonicalNames = new BoundedMap<string, boolean>(MAX_KEPT);
const canonicalPaths = new BoundedMap<string, string>(MAX_KEPT);

function keep<T>(map: Map<string, T>, key: string, value: T): void {
  if (key.length <= MAX_KEPT_CHARS) map.set(key, value);
}

function readCanonical(resource: string): boolean {
  if (CONTROL.test(resource) || resource.includes('\\')) return false;
  if (!percentEncodingsCanonical(resource)) return false;
  const scheme = SCHEME.exec(resource);
  let path = scheme ? resource.slice(scheme[0].length) : resource;
  if (scheme && path.startsWith('//')) {
    const end = path.indexOf('/', 2);
    const authority = end === -1 ? path.slice(2) : path.slice(2, end);
    if (isDotSegment(authority)) return false;
    path = end === -1 ? '' : path.slice(end);
  }
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (isDotSegment(segment)) return false;
    // Empty: only before a leading `/` or after a trailing one.
    if (segment === '' && i !== 0 && i !== segments.length - 1) return false;
  }
  return true;
}

/**
 * Whether a scope resource (an exact name, or a prefix pattern ending in `*`) is in
 * canonical form: an exact name by {@link isCanonicalResource}; a pattern when its prefix
 * can begin a canonical name (checked as the prefix followed by one ordinary character, so
 * `files:/reports/*` and `files:/reports/.*` are fine, `files:/a/../b/*` and `files:/a//*`
 * are not).
 *
 * @example
 * ```ts
 * isCanonicalPattern('files:/reports/*');   // true
 * isCanonicalPattern('files:/a/../b/*');    // false
 * ```
 */
export function isCanonicalPattern(pattern: string): boolean {
  return pattern.endsWith('*') ? isCanonicalResource(`${pattern.slice(0, -1)}a`) : isCanonicalResource(pattern);
}

/**
 * Asserts every resource of a scope is in canonical form ({@link isCanonicalPattern}):
 * `malformed_input`, check `resource`, naming the first that is not. Minting and
 * attenuating call it, so no token this package writes grants a name that only an exact
 * match could ever grant, or a prefix whose names are all refused.
 *
 * @example
 * ```ts
 * assertCanonicalResources(['files:/reports/*', 'db:orders'], 'capability');
 * ```
 */
export function assertCanonicalResources(resources: readonly string[], what = 'scope'): void {
  for (const r of resources) {
    if (!isCanonicalPattern(r)) {
      throw new MalformedInputError(
        `${what} resource "${r.slice(0, 120)}" is not in canonical form (no dot or empty segment, backslash, control character, or encoded separator, dot or unreserved character)`,
        { check: 'resource' },
      );
    }
  }
}

/**
 * The canonical resource name of a URL path under a scheme (`files`, `https`…): percent-
 * encodings of unreserved characters decoded and the rest in upper-case hex, then dot
 * segments resolved as RFC 3986 §5.2.4 does (`/a/./b/../c` is `/a/c`; `..` above the root
 * stays at the root). Refused with `malformed_input` (check `resource`): a path not
 * starting with `/`, holding `?`, `#`, a backslash, a control character (also encoded), an
 * encoded separator (`%2F`, `%5C`), an empty segment (`//`), a `%` not starting a triplet,
 * or encoded bytes that are not UTF-8. A scheme that is not RFC 3986 syntax is a caller
 * bug (`TypeError`). The result is always {@link isCanonicalResource}.
 *
 * @example
 * ```ts
 * canonicalResourcePath('files', new URL(req.url, 'http://x').pathname); // e.g. files:/reports/q3.pdf
 * canonicalResourcePath('files', '/reports/%2e%2e/hr/pay.xlsx');        // 'files:/hr/pay.xlsx'
 * ```
 */
export function canonicalResourcePath(scheme: string, urlPath: string): string {
  if (typeof scheme !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) throw new TypeError(`scheme must be an RFC 3986 scheme name, got ${String(scheme).slice(0, 40)}`);
  if (typeof urlPath !== 'string') return resolvePath(scheme, urlPath);
  const id = `${scheme}:${urlPath}`;
  const known = id.length <= MAX_KEPT_CHARS ? canonicalPaths.get(id) : undefined;
  if (known !== undefined) return known;
  const resource = resolvePath(scheme, urlPath);
  keep(canonicalPaths, id, resource);
  return resource;
}

function resolvePath(scheme: string, urlPath: string): string {
  const bad = (why: string): never => {
    const shown = typeof urlPath === 'string' ? JSON.stringify(urlPath.slice(0, 120)) : `(a ${typeof urlPath})`;
    throw new MalformedInputError(`URL path ${shown} ${why}`, { check: 'resource' });
  };
  if (typeof urlPath !== 'string') return bad('is not a string');
  if (!urlPath.startsWith('/')) bad('does not start with /');
  if (/[?#\\]/.test(urlPath)) bad('holds ?, # or a backslash');
  if (CONTROL.test(urlPath)) bad('holds a control character');
  // Normalise percent-encoding first (RFC 3986 §6.2.2.2), so `%2E%2E` is resolved as `..`.
  const normalised = urlPath.replace(/%(?:([0-9A-Fa-f]{2}))?/g, (match: string, hex: string | undefined) => {
    if (hex === undefined) return bad('has a % that does not start a triplet');
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    if (char === '/' || char === '\\') return bad('holds an encoded separator');
    return UNRESERVED.test(char) ? char : match.toUpperCase();
  });
  const segments = normalised.split('/').slice(1);
  for (let i = 0; i < segments.length - 1; i++) if (segments[i] === '') bad('has an empty segment (//)');
  // RFC 3986 §5.2.4 on whole segments: `.` is dropped, `..` drops the one before it.
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      if (last) out.push('');
    } else out.push(segment);
  });
  const resource = `${scheme}:/${out.join('/')}`;
  if (!isCanonicalResource(resource)) bad('has no canonical form (an encoded control character, invalid UTF-8, or a dot segment with parameters)');
  return resource;
}

/**
 * Whether a resource pattern covers a resource name: exact equality, or a prefix before a
 * trailing `*` — and a prefix covers only names in canonical form
 * ({@link isCanonicalResource}), so `files:/reports/*` never grants
 * `files:/reports/../hr/pay.xlsx` or `files:/reports/%2e%2e/hr`. A name outside canonical
 * form is granted only by a pattern equal to it.
 * @example
 * ```ts
 * resourceMatches('files:/reports/*', 'files:/reports/q3.pdf'); // true
 * resourceMatches('files:/reports/*', 'files:/reports/../hr');  // false
 * ```
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === resource) return true;
  return pattern.endsWith('*') && resource.startsWith(pattern.slice(0, -1)) && isCanonicalResource(resource);
}

/**
 * Whether `child` pattern denotes a subset of `parent` pattern: equal to an exact parent;
 * under a prefix parent, starting with its prefix and in canonical form
 * ({@link isCanonicalPattern}), as {@link resourceMatches} grants only canonical names.
 * @example
 * ```ts
 * patternWithin('files:/reports/q3/*', 'files:/reports/*'); // true
 * patternWithin('files:/reports/../hr/*', 'files:/reports/*'); // false
 * ```
 */
export function patternWithin(child: string, parent: string): boolean {
  if (child === parent || !parent.endsWith('*')) return child === parent;
  return child.startsWith(parent.slice(0, -1)) && isCanonicalPattern(child);
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
 * `resources`; check `resource_form` when only a prefix would cover the name and the name
 * is not in canonical form, see {@link resourceMatches}). Pure: no signatures, no revocation; token verifiers call it for every hop
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
  decidePermits(scope, request, atSeconds, what, {});
}

/**
 * @internal {@link assertPermits} for a scope and request the caller validated already
 * ({@link assertScope}, {@link assertCapabilityRequest}): the same checks and errors.
 * `form` carries whether `request.resource` is canonical once a prefix needed to know, so a
 * caller deciding one request against every hop of a chain reads the name once.
 */
export function decidePermits(scope: Scope, request: CapabilityRequest, atSeconds: number, what: string, form: { canonical?: boolean }): void {
  if (!(atSeconds < scope.expiresAt)) throw new ExpiredError(`${what} expired at ${new Date(scope.expiresAt * 1000).toISOString()}`);
  if (!scope.audience.includes(request.audience)) {
    throw new WrongAudienceError(`${what} does not name ${request.audience.slice(0, 120)} as audience`);
  }
  if (!scope.actions.includes(request.action)) {
    throw new DeniedError(`${what} does not grant action "${request.action.slice(0, 80)}"`, { check: 'actions' });
  }
  const resource = request.resource;
  // resourceMatches, with the canonical-form answer kept in `form`.
  const canonical = (): boolean => {
    form.canonical ??= isCanonicalResource(resource);
    return form.canonical;
  };
  const matches = (p: string) => p === resource || (p.endsWith('*') && resource.startsWith(p.slice(0, -1)) && canonical());
  if (!scope.resources.some(matches)) {
    // A name a prefix would cover, were it in canonical form: say so (a traversal attempt,
    // or a client that did not canonicalise its path).
    const prefixed = scope.resources.some((p) => p.endsWith('*') && resource.startsWith(p.slice(0, -1)));
    if (prefixed) {
      throw new DeniedError(`${what} grants "${resource.slice(0, 120)}" only by a prefix, and a prefix grants only names in canonical form (no dot or empty segment, encoded separator or dot, backslash or control character)`, { check: 'resource_form' });
    }
    throw new DeniedError(`${what} does not grant resource "${resource.slice(0, 120)}"`, { check: 'resources' });
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
