import { createHash } from 'node:crypto';
import { type Clock, type DelegationHop, type Scope, readClockSeconds, scopePermits } from '@agent-id/core';
import { type GuardedRequest, HttpGuard, type HttpAllow, type HttpDeny, type HttpGuardOptions } from '@agent-id/http';
import type { CapabilityToken, TokenFormat } from '@agent-id/tokens';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpItemKind } from './names.js';
import { type MappedMessage, type McpMapOptions, itemRequest, mapMcpMessages, mcpRequestMapper } from './request-map.js';

/** Options of {@link McpGuard}: those of an `HttpGuard` (its `map` is this package's) and how MCP messages map to capabilities. */
export interface McpGuardOptions extends Omit<HttpGuardOptions, 'map'>, McpMapOptions {}

/**
 * What a tool, resource or prompt handler learns about the request it serves (read it
 * with `agentIdOf`): who acts, for whom, in which task, with which chain, and the decision
 * made for this very message.
 */
export interface McpAuth {
  /** The agent that signed the request's proof and is the token's final holder. */
  agent: string;
  /** The organisation whose ownership credential vouches for the agent. */
  operator: string;
  /** The user or organisation it acts for. */
  onBehalfOf: string;
  /** The organisation that minted the token. */
  issuer: string;
  task: string;
  format: TokenFormat;
  /** Every hop from the authority to the agent. */
  chain: DelegationHop[];
  /** The scope left after the last hop. */
  effective: Scope;
  /** The token presented (redacted in `toString` and JSON). */
  token: CapabilityToken;
  /** This server's resource identifier. */
  resource: string;
  serverId: string;
  /** The allow decision of each JSON-RPC request of the HTTP request, by id. */
  decisions: ReadonlyMap<string | number, HttpAllow>;
}

/** An allowed MCP request: every message decided and allowed. */
export interface McpAllow {
  decision: 'allow';
  auth: McpAuth;
  /** For the SDK transport (`req.auth`, or `authInfo` of the web-standard transport). */
  authInfo: AuthInfo;
  messages: MappedMessage[];
}

export type McpDecision = McpAllow | HttpDeny;

/**
 * The key of {@link McpAuth} in `AuthInfo.extra` (read it with `agentIdOf`).
 * @example
 * ```ts
 * const auth = extra.authInfo?.extra?.[AUTH_INFO_KEY];
 * ```
 */
export const AUTH_INFO_KEY = 'agentId';

/**
 * The check of an MCP endpoint (Streamable HTTP): an `HttpGuard` authenticates every HTTP
 * request (token in `Authorization: DPoP`, proof, ownership credential) and every JSON-RPC
 * message it carries is decided on its own (see `mapMcpMessages`): a `tools/call` needs
 * `call` on `mcp:<server-id>/tools/<name>`, a `resources/read` `read` on
 * `mcp:<server-id>/resources/<uri>`, a `prompts/get` `get` on
 * `mcp:<server-id>/prompts/<name>`, anything else `connect` on `mcp:<server-id>`. A batch
 * is allowed only when every message is; the first refusal refuses the whole HTTP request,
 * with the guard's status, `WWW-Authenticate` and JSON body (403 `insufficient_scope`
 * naming what was needed), before the SDK sees any of it. Every decision is audited
 * through the guard's sink, once the whole batch is decided: a record for each message of
 * an allowed batch, or only the refusal (no message of a refused batch runs, and no
 * record says it was allowed).
 *
 * @example
 * ```ts
 * const mcp = new McpGuard({ serverId: 'orders', resource: 'https://tools.example/mcp', resolver, trustedIssuers: [acme], trustedRoots: [acmeRoot], audit });
 * const decision = await mcp.check({ method: 'POST', target: '/mcp', header: (n) => headers[n], body });
 * ```
 */
export class McpGuard {
  readonly guard: HttpGuard;
  readonly serverId: string;
  readonly #map: McpMapOptions;
  readonly #clock: Clock | undefined;

  constructor(options: McpGuardOptions) {
    const { serverId, itemCapability, task, ...http } = options;
    this.#map = { serverId, ...(itemCapability ? { itemCapability } : {}), ...(task !== undefined ? { task } : {}) };
    this.guard = new HttpGuard({ ...http, map: mcpRequestMapper(this.#map) });
    this.serverId = serverId;
    this.#clock = options.clock;
  }

  /** This resource's identifier (the audience its tokens must name). */
  get resource(): string {
    return this.guard.resource;
  }

  /**
   * Authenticates an HTTP request and decides each JSON-RPC message in its (parsed) body;
   * never throws for bad input (see the class).
   */
  async check(request: GuardedRequest): Promise<McpDecision> {
    let messages: MappedMessage[] = [];
    const decided = await this.guard.checkEach(request, (facts) => {
      messages = mapMcpMessages(facts.body, this.#map);
      return messages.map((m) => m.mapped);
    });
    if (!Array.isArray(decided)) return decided;
    const first = decided[0]!;
    const decisions = new Map<string | number, HttpAllow>();
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      if (message.id !== undefined && message.method !== undefined) decisions.set(message.id, decided[i]!);
    }
    const auth: McpAuth = {
      agent: first.agent,
      operator: first.operator,
      onBehalfOf: first.onBehalfOf,
      issuer: first.issuer,
      task: first.task,
      format: first.format,
      chain: first.chain,
      effective: first.effective,
      token: first.token,
      resource: this.guard.resource,
      serverId: this.serverId,
      decisions,
    };
    const authInfo: AuthInfo = {
      // Never the token itself: handlers that log authInfo must not leak it. This is its `ath`.
      token: createHash('sha256').update(first.token.serialize(), 'utf8').digest('base64url'),
      clientId: first.agent,
      scopes: [],
      expiresAt: first.effective.expiresAt,
      resource: new URL(this.guard.resource),
      extra: { [AUTH_INFO_KEY]: auth },
    };
    return { decision: 'allow', auth, authInfo, messages };
  }

  /**
   * Whether the verified chain of `auth` lets its agent use an item (the test
   * `tools/list`, `resources/list` and `prompts/list` answers are filtered by): every
   * hop's scope permits the item's action and resource for this audience, now, and the
   * task matches. A view only: first-party checks a holder appended are decided when the
   * item is used, in full.
   */
  permits(auth: McpAuth, kind: McpItemKind, name: string): boolean {
    let request: ReturnType<typeof itemRequest>;
    try {
      request = itemRequest(this.#map, kind, name);
    } catch {
      return false;
    }
    if (request.task !== undefined && request.task !== auth.task) return false;
    const now = readClockSeconds(this.#clock);
    const asked = { resource: request.resource, action: request.action, audience: this.guard.resource };
    return auth.chain.every((hop) => scopePermits(hop.granted, asked, now));
  }
}
