import { DeniedError, MalformedInputError } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import type { MappedRequest, RequestMapper } from '@agent-id/http';
import { MCP_ACTIONS, MCP_CONNECT_ACTION, type McpItemKind, mcpResourceOf } from './names.js';

/** How MCP messages map to capabilities. */
export interface McpMapOptions {
  /** Names this server in capability resources: `mcp:<serverId>/…`. */
  serverId: string;
  /**
   * The capability a tool, resource or prompt needs, when the default
   * (`call`/`read`/`get` on {@link mcpResourceOf}) does not fit; return `undefined` to
   * use the default.
   */
  itemCapability?: (kind: McpItemKind, name: string) => MappedRequest | undefined;
  /** Task every request of this server belongs to, when it knows one. */
  task?: string;
}

/** One JSON-RPC message of a request body, as it was mapped. */
export interface MappedMessage {
  /** The JSON-RPC id, for requests (absent for notifications and responses). */
  id?: string | number;
  /** The JSON-RPC method, for requests and notifications. */
  method?: string;
  /** The item it asks for, when it is a `tools/call`, `resources/read`, `resources/(un)subscribe`, `prompts/get` or `completion/complete`. */
  item?: { kind: McpItemKind; name: string };
  mapped: MappedRequest;
}

/**
 * The most messages one HTTP request may carry (a JSON-RPC batch).
 * @example
 * ```ts
 * if (batch.length > MAX_BATCH) throw new Error('split the batch');
 * ```
 */
export const MAX_BATCH = 32;

const ITEM_METHODS: Readonly<Record<string, { kind: McpItemKind; param: 'name' | 'uri' }>> = {
  'tools/call': { kind: 'tools', param: 'name' },
  'resources/read': { kind: 'resources', param: 'uri' },
  'resources/subscribe': { kind: 'resources', param: 'uri' },
  'resources/unsubscribe': { kind: 'resources', param: 'uri' },
  'prompts/get': { kind: 'prompts', param: 'name' },
};

function bad(message: string): never {
  throw new MalformedInputError(message, { check: 'jsonrpc' });
}

/** The capability of an item: the server's mapping, or the default. */
export function itemRequest(options: McpMapOptions, kind: McpItemKind, name: string): MappedRequest {
  const custom = options.itemCapability?.(kind, name);
  const mapped = custom ?? { action: MCP_ACTIONS[kind], resource: mcpResourceOf(options.serverId, kind, name) };
  return options.task !== undefined && mapped.task === undefined ? { ...mapped, task: options.task } : mapped;
}

function hrefOf(uri: string): string | undefined {
  try {
    return new URL(uri).href;
  } catch {
    return undefined;
  }
}

function mapOne(message: unknown, options: McpMapOptions): MappedMessage {
  if (!isRecord(message) || message.jsonrpc !== '2.0') bad('a message is not a JSON-RPC 2.0 object');
  const { id, method } = message;
  if (id !== undefined && typeof id !== 'string' && !(typeof id === 'number' && Number.isSafeInteger(id))) bad('a JSON-RPC id is not a string or an integer');
  if (method !== undefined && (typeof method !== 'string' || method.length > 128)) bad('a JSON-RPC method is not a string');
  const connect: MappedRequest = { action: MCP_CONNECT_ACTION, resource: mcpResourceOf(options.serverId), ...(options.task !== undefined ? { task: options.task } : {}) };
  const base = { ...(id !== undefined ? { id } : {}), ...(method !== undefined ? { method } : {}) };
  if (method === undefined) return { ...base, mapped: connect };
  const params = message.params;
  // The SDK keeps tasks by session, and this endpoint is sessionless: every caller would
  // share one scope, so one agent could list, read or cancel another's tool results.
  if (method.startsWith('tasks/') || (isRecord(params) && params.task !== undefined)) {
    throw new DeniedError(`${method.slice(0, 64)}: tasks are not served behind an McpGuard (their results would be shared by every caller)`, { check: 'mcp_task' });
  }
  if (method === 'completion/complete') {
    // Completions reveal a prompt's or resource template's values: they need what using it needs.
    const ref = isRecord(params) ? params.ref : undefined;
    if (!isRecord(ref) || (ref.type !== 'ref/prompt' && ref.type !== 'ref/resource')) bad('completion/complete has no ref/prompt or ref/resource');
    const kind: McpItemKind = ref.type === 'ref/prompt' ? 'prompts' : 'resources';
    const name = ref[kind === 'prompts' ? 'name' : 'uri'];
    if (typeof name !== 'string') bad('completion/complete names no prompt or resource');
    return { ...base, item: { kind, name }, mapped: itemRequest(options, kind, name) };
  }
  const item = Object.hasOwn(ITEM_METHODS, method) ? ITEM_METHODS[method] : undefined;
  if (item === undefined) return { ...base, mapped: connect };
  // What the SDK will dispatch on is exactly what is decided here: a name that is not a plain string is refused, never passed on.
  const name = isRecord(params) ? params[item.param] : undefined;
  if (typeof name !== 'string') bad(`${method} has no string params.${item.param}`);
  // The SDK finds a resource by `new URL(uri).toString()`, which resolves `%2e%2e` segments
  // and drops tabs and newlines: a URI that reads back otherwise could name another
  // resource than the one decided on.
  if (item.param === 'uri' && hrefOf(name) !== name) {
    throw new MalformedInputError(`${method}: the URI is not in the form the URL parser gives back (dot segments, tabs, spaces, upper case)`, { check: 'mcp_name' });
  }
  return { ...base, item: { kind: item.kind, name }, mapped: itemRequest(options, item.kind, name) };
}

/**
 * Every JSON-RPC message of an MCP request body, mapped to the capability it needs: a
 * `tools/call` to `call` on `mcp:<server-id>/tools/<name>`, `resources/read` (and
 * `resources/subscribe`, `resources/unsubscribe`) to `read` on
 * `mcp:<server-id>/resources/<uri>`, `prompts/get` to `get` on
 * `mcp:<server-id>/prompts/<name>`, `completion/complete` to what its `ref` (prompt or
 * resource) needs, and everything else (initialize, ping, notifications,
 * lists, responses, and a GET or DELETE without a body) to `connect` on `mcp:<server-id>`.
 * A batch maps message by message (at most {@link MAX_BATCH}); anything that is not
 * JSON-RPC 2.0, or an item request without a string name, is `malformed_input` (check
 * `jsonrpc` or `mcp_name`); `tasks/*` requests and task-augmented requests are `denied`
 * (check `mcp_task`: in a sessionless endpoint the SDK's task store would let any caller
 * reach another's results); a resource URI not in the form WHATWG
 * `new URL(uri).href` gives back (the form the SDK looks resources up in) is
 * `malformed_input`.
 *
 * @example
 * ```ts
 * mapMcpMessages({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'query_orders' } }, { serverId: 'orders' });
 * // [{ id: 1, method: 'tools/call', item: { kind: 'tools', name: 'query_orders' }, mapped: { action: 'call', resource: 'mcp:orders/tools/query_orders' } }]
 * ```
 */
export function mapMcpMessages(body: unknown, options: McpMapOptions): MappedMessage[] {
  if (body === undefined) return [mapOne({ jsonrpc: '2.0' }, options)];
  if (!Array.isArray(body)) return [mapOne(body, options)];
  if (body.length === 0 || body.length > MAX_BATCH) bad(`a batch holds 1 to ${MAX_BATCH} messages`);
  // Array.from visits holes (map would skip them and pass a sparse batch on).
  const messages = Array.from(body, (m: unknown) => mapOne(m, options));
  // Each request's decision is found again by its id: two requests with one id would blur which was decided.
  const ids = messages.filter((m) => m.id !== undefined && m.method !== undefined).map((m) => m.id);
  if (new Set(ids).size !== ids.length) bad('a batch holds two requests with the same id');
  return messages;
}

/**
 * A {@link RequestMapper} for an `HttpGuard` in front of an MCP endpoint: the capability of
 * the body's first message (see {@link mapMcpMessages}, which also validates the rest).
 * `McpGuard` decides every other message of a batch itself.
 *
 * @example
 * ```ts
 * const map = mcpRequestMapper({ serverId: 'orders' });
 * ```
 */
export function mcpRequestMapper(options: McpMapOptions): RequestMapper {
  mcpResourceOf(options.serverId);
  return (request) => mapMcpMessages(request.body, options)[0]!.mapped;
}
