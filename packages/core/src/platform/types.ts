/**
 * The contract `platform/node.ts` and `platform/web.ts` both meet, so `#platform` gives
 * the same answers whichever the runtime's conditions select.
 *
 * @module platform/types
 */

/**
 * Signature algorithms the platform verifies: the JWS ones (ECDSA as raw `r||s`), and
 * `ES256-DER`, ECDSA P-256 over SHA-256 with a DER signature (Biscuit's form).
 */
export type SignatureAlgorithm = 'EdDSA' | 'ES256' | 'ES256K' | 'ES256-DER' | 'ES384' | 'ES512' | 'RS256' | 'PS256';

/** A public (or, with `d`, private) JWK as the platform imports it. */
export interface PlatformJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
}

/** An HMAC-SHA256 key prepared once (a KeyObject on Node, the raw key elsewhere). */
export interface HmacKey {
  readonly __hmacKey: unique symbol;
}

/** How a digest is handed back as text: lower-case hex, or unpadded base64url. */
export type DigestEncoding = 'hex' | 'base64url';

export type SyncVerify = (signature: Uint8Array, message: Uint8Array) => boolean;
/** Resolves `undefined` when the runtime turns out to lack the algorithm (the caller then verifies another way). */
export type AsyncVerify = (signature: Uint8Array, message: Uint8Array) => Promise<boolean | undefined>;
export type SyncSign = (message: Uint8Array) => Uint8Array;
/** Resolves `undefined` when the runtime turns out to lack the algorithm. */
export type AsyncSign = (message: Uint8Array) => Promise<Uint8Array | undefined>;
