import { MalformedInputError, isCanonicalResource } from '@agent-id/core';
import { isWellFormed } from '@agent-id/core/internal';

/** What an MCP message asks of: a tool (`tools/call`), a resource (`resources/read`, `resources/subscribe`) or a prompt (`prompts/get`). */
export type McpItemKind = 'tools' | 'resources' | 'prompts';

/**
 * The action a capability must grant for each kind of item.
 * @example
 * ```ts
 * MCP_ACTIONS.tools; // 'call'
 * ```
 */
export const MCP_ACTIONS: Readonly<Record<McpItemKind, string>> = Object.freeze({ tools: 'call', resources: 'read', prompts: 'get' });

/**
 * The action every other message (initialize, ping, notifications, lists, responses) needs, on `mcp:<server-id>`.
 * @example
 * ```ts
 * const grant = { resources: [mcpResourceOf('orders'), mcpResourceOf('orders', 'tools', 'query_orders')], actions: [MCP_CONNECT_ACTION, MCP_ACTIONS.tools] };
 * ```
 */
export const MCP_CONNECT_ACTION = 'connect';

const SERVER_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;

/** Percent-encodes everything but RFC 3986 unreserved characters, in upper case: a name becomes one path segment. */
function segment(name: string): string {
  const bytes = new TextEncoder().encode(name);
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const URI = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?$/;

function nameError(kind: McpItemKind, why: string): never {
  throw new MalformedInputError(`the ${kind} name ${why}`, { check: 'mcp_name' });
}

/** A resource URI as path segments: `<scheme>/<authority>/<path…>` (`file:///x` is `file://localhost/x`, RFC 8089). */
function uriPath(uri: string): string {
  const m = URI.exec(uri);
  if (m === null) return nameError('resources', 'is not a URI of the form scheme://authority/path without query or fragment (give the server an itemCapability for it)');
  const scheme = m[1]!.toLowerCase();
  const authority = m[2] === '' && scheme === 'file' ? 'localhost' : m[2]!.toLowerCase();
  if (authority === '') return nameError('resources', 'has an empty authority');
  return [scheme, authority, ...(m[3] ?? '').split('/').slice(1)].map(segment).join('/');
}

/**
 * The capability resource of an MCP server, or of one of its tools, resources or prompts:
 * `mcp:<server-id>`, `mcp:<server-id>/tools/<name>`, `mcp:<server-id>/prompts/<name>` (the
 * name percent-encoded as one path segment: every byte outside RFC 3986's unreserved set,
 * so a `*` or `%` in a name never reaches a prefix match, and a `/` is refused) and
 * `mcp:<server-id>/resources/<scheme>/<authority>/<path>` for a resource URI
 * `scheme://authority/path` (scheme and authority in lower case, each segment
 * percent-encoded the same way, `file:///x` read as `file://localhost/x`), so
 * `mcp:orders/resources/orders/*` grants every `orders://` resource. A server id is 1 to
 * 128 unreserved characters (TypeError otherwise). A name that is empty, longer than
 * 1,024 characters, not well-formed Unicode, or has no canonical form (`.`, `..`, a `/`
 * in a tool or prompt name; a URI with a query, fragment, empty or dot segment, or not of
 * that form) is `malformed_input` (check `mcp_name`).
 *
 * @example
 * ```ts
 * mcpResourceOf('orders', 'tools', 'query_orders');       // 'mcp:orders/tools/query_orders'
 * mcpResourceOf('orders', 'resources', 'orders://42');     // 'mcp:orders/resources/orders/42'
 * mcpResourceOf('orders', 'resources', 'file:///a/b.txt'); // 'mcp:orders/resources/file/localhost/a/b.txt'
 * mcpResourceOf('orders');                                  // 'mcp:orders'
 * ```
 */
export function mcpResourceOf(serverId: string, kind?: McpItemKind, name?: string): string {
  if (typeof serverId !== 'string' || !SERVER_ID.test(serverId)) throw new TypeError('serverId must be 1 to 128 RFC 3986 unreserved characters');
  if (kind === undefined) return `mcp:${serverId}`;
  if (kind !== 'tools' && kind !== 'resources' && kind !== 'prompts') throw new TypeError('kind must be tools, resources or prompts');
  if (typeof name !== 'string' || name === '' || name.length > 1024 || !isWellFormed(name)) nameError(kind, 'is not a non-empty, well-formed string of at most 1,024 characters');
  if (kind !== 'resources' && name.includes('/')) nameError(kind, 'holds a /');
  const resource = `mcp:${serverId}/${kind}/${kind === 'resources' ? uriPath(name) : segment(name)}`;
  if (!isCanonicalResource(resource)) nameError(kind, 'has no canonical resource form (a dot or empty segment)');
  return resource;
}
