import { type Clock, DeniedError, HolderMismatchError, type KeyPair, MalformedInputError, type Scope, canonicalize } from '@agent-id/core';
import { type AgentFetch, type ProofSigner, createAgentFetch } from '@agent-id/http';
import { CapabilityToken, type MacaroonRootSecret, type TrustedRoots, attenuate, inspectToken, verifyChain } from '@agent-id/tokens';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { agentIdOf } from './agent-id-of.js';

/**
 * The `_meta` key of a `tools/call` (or any request) that carries a delegation to the server.
 * @example
 * ```ts
 * await client.callTool({ name: 'refund_order', arguments: { id: '42' }, _meta: { [DELEGATION_META_KEY]: delegated.serialize() } });
 * ```
 */
export const DELEGATION_META_KEY = 'agent-id/delegation';

/** Options of {@link delegationMeta}. */
export interface DelegationMetaOptions {
  /** The MCP server's agent DID, as the caller knows it (configuration, a verified card): never taken from the server's own word. */
  server: string;
  /** The caller's key pair: it holds the token and signs the hop. */
  signer: KeyPair;
  /** What the server may do with it downstream: audience, resources, actions, a short expiry. */
  narrowing: Partial<Scope>;
  trustedRoots?: TrustedRoots;
}

/**
 * The caller's side of down-scoping: hands its token on to the MCP server's DID, narrowed
 * to what the server needs downstream (`attenuate`, offline, signed by the caller's key),
 * as the `_meta` of a request: `client.callTool({ name, arguments, _meta })`. Only the
 * caller can do this — a hop is signed by the token's current holder, and the token the
 * caller presents names the caller — so the delegation travels with the call, beside the
 * token that authorizes the call itself.
 *
 * @example
 * ```ts
 * const _meta = await delegationMeta(token, {
 *   server: ordersServerDid, signer: agent.keyPair, trustedRoots: acmeRoot,
 *   narrowing: { audience: ['https://payments.example/api'], actions: ['write'], resources: ['api:/refunds/*'], expiresAt: now + 300 },
 * });
 * await client.callTool({ name: 'refund_order', arguments: { id: '42' }, _meta });
 * ```
 */
export async function delegationMeta(token: CapabilityToken | string, options: DelegationMetaOptions): Promise<Record<string, string>> {
  const delegated = await attenuate(token, {
    to: options.server,
    signer: options.signer,
    narrowing: options.narrowing,
    ...(options.trustedRoots !== undefined ? { trustedRoots: options.trustedRoots } : {}),
  });
  return { [DELEGATION_META_KEY]: delegated.serialize() };
}

/** Options of {@link receivedDelegation}. */
export interface ReceivedDelegationOptions {
  /** This server's own agent DID: the delegation must name it. */
  self: string;
  trustedRoots?: TrustedRoots;
  rootSecrets?: readonly MacaroonRootSecret[];
}

/** The parts of a handler's `extra` read here. */
export interface HandlerExtra {
  authInfo?: AuthInfo | undefined;
  requestId?: string | number | undefined;
  _meta?: Record<string, unknown> | undefined;
}

/**
 * The server's side of down-scoping: the token the caller delegated to this server with
 * the request being handled ({@link delegationMeta}), verified to be exactly the token the
 * caller presented for this request plus one hop, signed by the caller (the agent the
 * request's proof authenticated) and naming this server. Its signatures and narrowing are
 * verified here (`verifyChain`); expiry, audience, revocation and the request are the
 * downstream API's to decide when the server presents it. Throws `denied` (check
 * `delegation`) when the request carries none or was not authenticated by an `McpGuard`,
 * `holder_mismatch` (check `delegation_holder`) when it names another agent or was made by
 * another than the caller (`delegation_delegator`), `denied` (check `delegation_chain`) when
 * it extends another chain, and the token package's codes for a bad token.
 *
 * @example
 * ```ts
 * const downstream = await receivedDelegation(extra, { self: server.did, trustedRoots: acmeRoot });
 * ```
 */
export async function receivedDelegation(extra: HandlerExtra, options: ReceivedDelegationOptions): Promise<CapabilityToken> {
  const caller = agentIdOf(extra);
  if (caller === undefined) throw new DeniedError('the request was not authenticated by an McpGuard', { check: 'delegation' });
  const text = extra._meta?.[DELEGATION_META_KEY];
  if (text === undefined) throw new DeniedError(`the request carries no delegation to this server (_meta "${DELEGATION_META_KEY}")`, { check: 'delegation' });
  if (typeof text !== 'string') throw new MalformedInputError('the delegation is not a token string', { check: 'delegation' });
  const token = CapabilityToken.parse(text);
  const verified = await verifyChain(token, {
    ...(options.trustedRoots !== undefined ? { trustedRoots: options.trustedRoots } : {}),
    ...(options.rootSecrets !== undefined ? { rootSecrets: options.rootSecrets } : {}),
  });
  const last = verified.chain.at(-1)!;
  if (last.to !== options.self) throw new HolderMismatchError('the delegation names another agent than this server', { check: 'delegation_holder' });
  if (last.from !== caller.agent) throw new HolderMismatchError('the delegation was not made by the calling agent', { check: 'delegation_delegator' });
  const sameChain =
    verified.chain.length === caller.chain.length + 1 &&
    verified.onBehalfOf === caller.onBehalfOf &&
    verified.issuer === caller.issuer &&
    verified.task === caller.task &&
    caller.chain.every((hop, i) => canonicalize(hop) === canonicalize(verified.chain[i]));
  // Equal hops are not enough (two tokens minted alike in one second read the same): the hops' revocation ids bind the very blocks.
  const ids = sameChain ? await Promise.all([inspectToken(caller.token), inspectToken(token)]) : undefined;
  if (ids === undefined || !ids[0].revocationIds.every((id, i) => id === ids[1].revocationIds[i])) throw new DeniedError('the delegation does not extend the token presented with this request', { check: 'delegation_chain' });
  return token;
}

/** Options of {@link createDownstreamFetch}. */
export interface DownstreamFetchOptions extends ReceivedDelegationOptions {
  /** This server as an agent: its DID URL and key pair (signs the downstream proofs). */
  agent: ProofSigner;
  /** This server's ownership credential (VC-JWT), for the downstream API. */
  credential: string;
  fetch?: typeof fetch;
  /** Time of the downstream proofs. Default: system clock. */
  clock?: Clock;
}

/**
 * A `fetch` that calls a downstream API for the same user with the delegation received
 * with this request ({@link receivedDelegation}) and this server's own proof: the
 * downstream sees the user, the calling agent and this server in the chain.
 *
 * @example
 * ```ts
 * server.registerTool('refund_order', { inputSchema: { id: z.string() } }, async ({ id }, extra) => {
 *   const pay = await createDownstreamFetch(extra, { self: me.did, agent: { keyId: me.keyId, keyPair: me.keyPair }, credential, trustedRoots: acmeRoot });
 *   const response = await pay(`https://payments.example/api/refunds/${id}`, { method: 'POST' });
 *   return { content: [{ type: 'text', text: String(response.status) }] };
 * });
 * ```
 */
export async function createDownstreamFetch(extra: HandlerExtra, options: DownstreamFetchOptions): Promise<AgentFetch> {
  const token = await receivedDelegation(extra, options);
  return createAgentFetch({
    agent: options.agent,
    token,
    credential: options.credential,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
