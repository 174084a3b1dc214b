import type { Clock } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { type AgentFetch, type ProofSigner, createAgentFetch } from '@agent-id/http';
import type { CapabilityToken } from '@agent-id/tokens';
import { REFUSAL_CODES, jsonRpcRefusal } from './jsonrpc-refusal.js';

/** Options of {@link createA2AFetch}. */
export interface A2AFetchOptions {
  /** The calling agent: its DID URL and key pair (signs a proof per request). */
  agent: ProofSigner;
  /** The agent's ownership credential (VC-JWT): presented alone where it holds no token. */
  credential: string;
  /**
   * The capability token to present to an endpoint (its audience), or undefined to present
   * the ownership credential alone. Default: always the credential.
   */
  tokenFor?: (endpoint: URL) => string | CapabilityToken | undefined;
  /** The fetch to wrap. Default: the global `fetch`. */
  fetch?: typeof fetch;
  clock?: Clock;
}

async function requestId(input: string | URL | Request, init: RequestInit | undefined): Promise<unknown> {
  try {
    const text = typeof init?.body === 'string' ? init.body : input instanceof Request ? await input.clone().text() : '';
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    return isRecord(body) ? body.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `fetch` for the A2A SDK's transports (`fetchImpl`) that presents the calling agent on
 * every request: `Authorization: DPoP <token or ownership credential>` and a fresh `DPoP`
 * proof by its DID key (`createAgentFetch` of `@agent-id/http`: the credential sent on
 * first contact, one retry on a nonce or credential challenge). A refusal the server
 * answered over HTTP (401, 403, 400) reaches the SDK as a JSON-RPC error carrying the
 * server's `code` and `check` (see `refusalOfA2AError`); status and `WWW-Authenticate` are kept.
 *
 * @example
 * ```ts
 * const fetchImpl = createA2AFetch({ agent: { keyId: me.keyId, keyPair: me.keyPair }, credential });
 * const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] }));
 * ```
 */
export function createA2AFetch(options: A2AFetchOptions): AgentFetch {
  if (typeof options?.credential !== 'string' || options.credential.split('.').length !== 3) throw new TypeError('credential must be the VC-JWT string');
  const tokenFor = options.tokenFor;
  const agentFetch = createAgentFetch({
    agent: options.agent,
    credential: options.credential,
    token: (url) => tokenFor?.(url) ?? options.credential,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return async (input, init) => {
    const id = await requestId(input, init);
    const response = await agentFetch(input, init);
    if (response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    let body: unknown;
    try {
      body = await response.clone().json();
    } catch {
      return response;
    }
    if (!isRecord(body) || typeof body.code !== 'string' || typeof body.check !== 'string' || 'jsonrpc' in body) return response;
    const jsonRpcCode = response.status === 401 ? REFUSAL_CODES.unauthenticated : response.status === 403 ? REFUSAL_CODES.permissionDenied : REFUSAL_CODES.other;
    const description = typeof body.error_description === 'string' ? body.error_description : `refused (${response.status})`;
    const extra: Record<string, string> = { status: String(response.status), ...(typeof body.error === 'string' ? { error: body.error } : {}) };
    const envelope = jsonRpcRefusal(id, { code: body.code as Parameters<typeof jsonRpcRefusal>[1]['code'], check: body.check, message: description }, jsonRpcCode, extra);
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(envelope), { status: response.status, statusText: response.statusText, headers });
  };
}
