import { DeniedError, canonicalResourcePath } from '@agent-id/core';
import { BoundedMap } from '@agent-id/core/internal';

/** A request as a {@link RequestMapper} sees it. */
export interface RequestFacts {
  /** Upper-case HTTP method. */
  method: string;
  /** The URL path as received (percent-encoded, unnormalized): map it with `canonicalResourcePath`, never by string prefix. */
  path: string;
  query: URLSearchParams;
  /** A request header (lower-case name), the first value when sent more than once. */
  header(name: string): string | undefined;
  /** The parsed JSON body, when the adapter was asked to read it (`readJsonBody`). */
  body?: unknown;
}

/** What a request asks of the capability: one action on one resource, within a task when known. */
export interface MappedRequest {
  action: string;
  resource: string;
  task?: string;
}

/**
 * Maps a request to the capability it needs; `undefined` for a request no capability
 * covers (refused: `denied`, check `route`). Throw `malformed_input` for a request whose
 * path cannot be read (answered `400 invalid_request`).
 */
export type RequestMapper = (request: RequestFacts) => MappedRequest | undefined | Promise<MappedRequest | undefined>;

/** One row of {@link routeTable}. */
export interface Route {
  /** Method, or `*` for any. */
  method: string;
  /** A path, or a prefix ending in `/*` (which matches the prefix itself and everything below it). */
  path: string;
  action: string;
  /** Task the route belongs to, when the server knows it. */
  task?: string;
}

/**
 * A {@link RequestMapper} from a table: the first route whose method and path match gives
 * the action, and the resource is the request's path in canonical form under `scheme`
 * (`api:/orders/42`, with core's `canonicalResourcePath`, so `..`, `//` and encoded
 * separators never reach a prefix match: they are refused as `malformed_input`). A
 * request that would get another action if case and a trailing slash were ignored, or a
 * HEAD were routed as GET, as Express and other routers do by default, is refused
 * (`denied`, check `route`).
 *
 * @example
 * ```ts
 * const map = routeTable('orders', [
 *   { method: 'GET', path: '/orders/*', action: 'read' },
 *   { method: 'POST', path: '/orders/*', action: 'write' },
 * ]);
 * // GET /orders/42 → { action: 'read', resource: 'orders:/orders/42' }
 * ```
 */
export function routeTable(scheme: string, routes: readonly Route[]): RequestMapper {
  if (!Array.isArray(routes) || routes.length === 0) throw new TypeError('routes must be a non-empty array');
  for (const route of routes) {
    if (typeof route?.method !== 'string' || typeof route.path !== 'string' || !route.path.startsWith('/') || typeof route.action !== 'string' || route.action === '') {
      throw new TypeError('each route needs method, a path starting with / and an action');
    }
  }
  canonicalResourcePath(scheme, '/');
  const table = routes.map((r) => ({ ...r, method: r.method.toUpperCase(), prefix: r.path.endsWith('/*') ? r.path.slice(0, -1) : undefined }));
  const loose = table.map((r) => ({ ...r, path: looseOf(r.path), prefix: r.prefix?.toLowerCase() }));
  const first = (rows: typeof table, method: string, path: string, headAsGet: boolean) =>
    rows.find(
      (route) =>
        (route.method === '*' || route.method === method || (headAsGet && method === 'HEAD' && route.method === 'GET')) &&
        (route.prefix === undefined ? path === route.path : path.startsWith(route.prefix) || `${path}/` === route.prefix),
    );
  // Answers by method and path text, frozen: a function of those texts and this table alone.
  const answers = new BoundedMap<string, MappedRequest | null>(MAX_ANSWERS);
  return (request) => {
    const key =
      typeof request.method === 'string' && request.method.length <= 32 && typeof request.path === 'string' && request.path.length <= 2048 ? `${request.method} ${request.path}` : undefined;
    const known = key === undefined ? undefined : answers.get(key);
    if (known !== undefined) return known ?? undefined;
    const answer = decide(request);
    if (key !== undefined) answers.set(key, answer === undefined ? null : Object.freeze(answer));
    return answer;
  };

  function decide(request: RequestFacts): MappedRequest | undefined {
    const resource = canonicalResourcePath(scheme, request.path);
    const path = resource.slice(scheme.length + 1);
    const route = first(table, request.method, path, false);
    // Routers often match paths regardless of case and of a trailing slash, and run a GET
    // route for HEAD (Express's defaults): a request the two readings give different
    // capabilities could run a stronger route than the one checked, so it is refused.
    const other = first(loose, request.method, looseOf(path), true);
    if (route?.action !== other?.action || route?.task !== other?.task) {
      throw new DeniedError(`${request.method.slice(0, 16)} ${path.slice(0, 200)} matches another route when case, a trailing slash or HEAD for GET are read as routers do`, { check: 'route' });
    }
    if (route === undefined) return undefined;
    return { action: route.action, resource, ...(route.task !== undefined ? { task: route.task } : {}) };
  }
}

const MAX_ANSWERS = 1024;

function looseOf(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}
