import { isRecord } from '@agent-id/core/internal';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpAllow, McpGuard } from './mcp-guard.js';
import type { McpItemKind } from './names.js';

/** An MCP server the handlers connect to a transport per request: the SDK's `McpServer` or its low-level `Server`. */
export interface ConnectableServer {
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

/** Options shared by the MCP endpoint handlers. */
export interface McpHandlerOptions {
  /** Largest JSON body read, in bytes. Default 1 MiB; larger is refused with 413. */
  maxBodyBytes?: number;
  /** Answer with one JSON response instead of an SSE stream (the SDK's `enableJsonResponse`). Default false. */
  enableJsonResponse?: boolean;
}

const LISTS: Readonly<Record<string, { kind: McpItemKind; field: 'tools' | 'resources' | 'prompts'; key: 'name' | 'uri' }>> = {
  'tools/list': { kind: 'tools', field: 'tools', key: 'name' },
  'resources/list': { kind: 'resources', field: 'resources', key: 'uri' },
  'prompts/list': { kind: 'prompts', field: 'prompts', key: 'name' },
};

/**
 * Makes a transport answer this request's list requests with only the items the caller's
 * token lets it use: its `send` filters the result of each `tools/list`,
 * `resources/list` and `prompts/list` answer (by JSON-RPC id) through `McpGuard.permits`.
 */
export function filterLists(transport: Transport, guard: McpGuard, allowed: McpAllow): void {
  const lists = new Map<string | number, (typeof LISTS)[string]>();
  for (const m of allowed.messages) {
    if (m.id !== undefined && m.method !== undefined && Object.hasOwn(LISTS, m.method)) lists.set(m.id, LISTS[m.method]!);
  }
  if (lists.size === 0) return;
  const send = transport.send.bind(transport);
  transport.send = (message: JSONRPCMessage, options) => {
    const m = message as { id?: unknown; result?: unknown };
    const list = (typeof m.id === 'string' || typeof m.id === 'number') && isRecord(m.result) ? lists.get(m.id) : undefined;
    if (list === undefined || !isRecord(m.result) || !Array.isArray(m.result[list.field])) return send(message, options);
    const items = (m.result[list.field] as unknown[]).filter((item) => {
      const name = isRecord(item) ? item[list.key] : undefined;
      return typeof name === 'string' && guard.permits(allowed.auth, list.kind, name);
    });
    return send({ ...message, result: { ...m.result, [list.field]: items } } as JSONRPCMessage, options);
  };
}

/** The JSON body of a request that is refused before the guard runs (size, syntax, method). */
export function plainRefusal(status: number, code: string, check: string, description: string): { status: number; headers: Record<string, string>; body: Record<string, string> } {
  return { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: { error: 'invalid_request', error_description: description, code, check } };
}
