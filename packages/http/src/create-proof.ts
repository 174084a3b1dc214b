import { type Clock, type KeyPair, base64urlEncode, readClock, signCompactJws } from '@agent-id/core';
import { randomBytes, utf8ToBytes } from '@agent-id/core/internal';
import { normalizeHtu } from './htu.js';
import { tokenHash } from './token-hash.js';

/** The media type of a proof's JOSE header (RFC 9449 §4.2). */
export const PROOF_TYPE = 'dpop+jwt';

/** The agent signing a proof: its DID URL (`kid`) and the key pair that controls it. */
export interface ProofSigner {
  /** DID URL of the agent's key, e.g. `did:key:z6Mk…#z6Mk…`. */
  keyId: string;
  keyPair: KeyPair;
}

/** Options of {@link createProof}. */
export interface CreateProofOptions {
  /** HTTP method of the request, e.g. `POST`. */
  method: string;
  /** Absolute URL of the request (query and fragment are not signed). */
  url: string;
  /** The capability token sent with it in `Authorization`: the proof binds to its hash (`ath`). */
  token: string;
  /** The server's nonce (`DPoP-Nonce`), when it asked for one. */
  nonce?: string;
  /** Time of `iat`. Default: system clock. */
  clock?: Clock;
}

/**
 * Signs a proof of possession for one request, in the shape of an RFC 9449 DPoP proof: a
 * JWT with `typ: dpop+jwt`, the agent's public key as `jwk` and its DID URL as `kid`, and
 * claims `jti` (128 random bits), `htm`, `htu` (normalized), `iat`, `ath` (the token's
 * hash) and `nonce` when the server gave one. Sent in the `DPoP` header beside
 * `Authorization: DPoP <token>`.
 *
 * @example
 * ```ts
 * const proof = createProof(agent, { method: 'GET', url: 'https://tools.example/orders/42', token });
 * await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
 * ```
 */
export function createProof(signer: ProofSigner, options: CreateProofOptions): string {
  if (typeof signer?.keyId !== 'string' || !signer.keyId.startsWith('did:')) throw new TypeError('signer.keyId must be a DID URL');
  if (typeof options?.method !== 'string' || !/^[A-Z]{1,16}$/.test(options.method)) throw new TypeError('method must be an upper-case HTTP method');
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('token must be a non-empty string');
  const claims: Record<string, unknown> = {
    jti: base64urlEncode(randomBytes(16)),
    htm: options.method,
    htu: normalizeHtu(options.url),
    iat: Math.floor(readClock(options.clock) / 1000),
    ath: tokenHash(options.token),
  };
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  return signCompactJws({ typ: PROOF_TYPE, kid: signer.keyId, jwk: signer.keyPair.publicKey.toJwk() }, utf8ToBytes(JSON.stringify(claims)), signer.keyPair);
}
