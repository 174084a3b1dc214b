import type { Clock } from '@agent-id/core';
import type { CapabilityToken } from '@agent-id/tokens';
import { type ProofSigner, createProof } from './create-proof.js';
import { CREDENTIAL_HEADER } from './guard.js';

/** Options of {@link createAgentFetch}. */
export interface AgentFetchOptions {
  /** The agent: its DID URL and key pair (signs a proof per request). */
  agent: ProofSigner;
  /** The capability token to present, or a function choosing one per request URL. */
  token: string | CapabilityToken | ((url: URL) => string | CapabilityToken);
  /** The agent's ownership credential (VC-JWT): sent to each origin until a request there is answered (status below 400), and again when a server asks for it. */
  credential: string;
  /** The fetch to wrap. Default: the global `fetch`. */
  fetch?: typeof fetch;
  clock?: Clock;
}

/** A `fetch` that presents the agent's capability on every request. */
export type AgentFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

async function refusalCode(response: Response): Promise<string | undefined> {
  if (response.status !== 401 || !(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    const body: unknown = await response.clone().json();
    return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string' ? (body as { code: string }).code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wraps `fetch` so every request carries the agent's token (`Authorization: DPoP <token>`)
 * and a fresh proof signed by its DID key (`DPoP`), with its ownership credential on first
 * contact with an origin. It keeps each origin's latest `DPoP-Nonce` and retries a request
 * once when the server answers `use_dpop_nonce`, or asks for the credential again
 * (`credential_required`, e.g. after a restart). A retried request's body is sent again,
 * so give bodies that can be read twice (strings, bytes) or a `Request`.
 *
 * @example
 * ```ts
 * const agentFetch = createAgentFetch({ agent: orchestrator, token, credential });
 * const response = await agentFetch('https://tools.example/orders/42');
 * ```
 */
export function createAgentFetch(options: AgentFetchOptions): AgentFetch {
  const base = options.fetch ?? globalThis.fetch;
  if (typeof base !== 'function') throw new TypeError('no fetch to wrap');
  if (typeof options.credential !== 'string') throw new TypeError('credential must be the VC-JWT string');
  const nonces = new Map<string, string>();
  const introduced = new Set<string>();
  return async (input, init) => {
    const original = new Request(input, init);
    const url = new URL(original.url);
    const chosen = typeof options.token === 'function' ? options.token(url) : options.token;
    const token = typeof chosen === 'string' ? chosen : chosen.serialize();
    const send = async (withCredential: boolean): Promise<Response> => {
      const request = original.clone();
      const proof = createProof(options.agent, {
        method: request.method,
        url: request.url,
        token,
        ...(nonces.has(url.origin) ? { nonce: nonces.get(url.origin)! } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      });
      request.headers.set('authorization', `DPoP ${token}`);
      request.headers.set('dpop', proof);
      if (withCredential) request.headers.set(CREDENTIAL_HEADER, options.credential);
      const response = await base(request);
      const nonce = response.headers.get('dpop-nonce');
      if (nonce !== null) nonces.set(url.origin, nonce);
      return response;
    };
    let response = await send(!introduced.has(url.origin));
    let code = await refusalCode(response);
    if (code === 'nonce_required' || code === 'credential_required') {
      response = await send(code === 'credential_required' || !introduced.has(url.origin));
      code = await refusalCode(response);
    }
    // Only an answered request proves the server read the credential: a refusal may come
    // before it (a route, a proof), and a HEAD refusal has no body to ask for it again.
    if (response.status < 400) introduced.add(url.origin);
    return response;
  };
}
