import { base64urlEncode } from '@agent-id/core';
import { type HmacKey, equalBytes, hmacSha256, hmacSha256Key, randomBytes, utf8ToBytes } from '@agent-id/core/internal';

const ROOT_LABEL = 'agent-id/macaroon/root/v1\u0000';
const THIRD_PARTY_LABEL = 'agent-id/macaroon/third-party/v1\u0000';
const KEY_GENERATOR = hmacSha256Key(utf8ToBytes('macaroons-key-generator'));

// Imported keys by secret array, with the bytes they were imported from: a secret changed
// in place (rotated) is imported again rather than verifying under its old bytes.
const keyObjects = new WeakMap<Uint8Array, { bytes: Uint8Array; key: HmacKey }>();

function keyObject(secret: Uint8Array): HmacKey {
  const held = keyObjects.get(secret);
  if (held !== undefined && equalBytes(held.bytes, secret)) return held.key;
  if (!(secret instanceof Uint8Array) || secret.length < 32) throw new TypeError('a Macaroon secret must be at least 32 bytes');
  const key = hmacSha256Key(secret);
  keyObjects.set(secret, { bytes: Uint8Array.from(secret), key });
  return key;
}

function hmac(key: HmacKey | Uint8Array, ...parts: (Uint8Array | string)[]): Uint8Array {
  return hmacSha256(key, ...parts.map((p) => (typeof p === 'string' ? utf8ToBytes(p) : p)));
}

/** A fresh random id (16 bytes, base64url) for a token, hop or caveat. */
export function randomId(): string {
  return base64urlEncode(randomBytes(16));
}

/** Per-token root key: HMAC-SHA256(org secret, label ‖ token id). */
export function tokenRootKey(secret: Uint8Array, tokenId: string): Uint8Array {
  return hmac(keyObject(secret), ROOT_LABEL, tokenId);
}

/** Third-party caveat root key: HMAC-SHA256(shared secret, label ‖ caveat nonce). */
export function caveatRootKey(secret: Uint8Array, nonce: string): Uint8Array {
  return hmac(keyObject(secret), THIRD_PARTY_LABEL, nonce);
}

/** A root key as the chain uses it: HMAC-SHA256 keyed with "macaroons-key-generator" (libmacaroons' derivation). */
export function derivedKey(rootKey: Uint8Array): Uint8Array {
  return hmac(KEY_GENERATOR, rootKey);
}

/** The first signature of a chain whose key is already derived (a discharge's, from its caveat). */
export function signatureFromKey(key: Uint8Array, identifier: Uint8Array): Uint8Array {
  return hmac(key, identifier);
}

/** The macaroon signature chain, computed natively (node:crypto on Node), as libmacaroons and macaroon 3.0.4 compute it. */
export function initialSignature(rootKey: Uint8Array, identifier: Uint8Array): Uint8Array {
  return signatureFromKey(derivedKey(rootKey), identifier);
}

export function firstPartyStep(signature: Uint8Array, caveat: Uint8Array): Uint8Array {
  return hmac(signature, caveat);
}

export function thirdPartyStep(signature: Uint8Array, vid: Uint8Array, caveat: Uint8Array): Uint8Array {
  return hmac(signature, hmac(signature, vid), hmac(signature, caveat));
}
