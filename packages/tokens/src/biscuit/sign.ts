import type { KeyPair } from '@agent-id/core';
import { algorithmOf } from './keys.js';
import type { KeyView } from './proto/envelope.js';

/** A DER INTEGER of an unsigned big-endian value: no leading zeros, a zero byte before a high bit. */
function derInteger(value: Uint8Array): number[] {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const bytes = [...value.subarray(start)];
  if (bytes[0]! >= 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}

/**
 * Signs a Biscuit payload with a key pair of `@agent-id/core`: Ed25519 as is, P-256 as
 * Biscuit carries it (DER, where core signs JWS `r||s`; low S, which every verifier takes).
 */
export function signPayload(signer: KeyPair, payload: Uint8Array): Uint8Array {
  const signature = signer.sign(payload);
  if (algorithmOf(signer.publicKey) === 0) return signature;
  const body = [...derInteger(signature.subarray(0, 32)), ...derInteger(signature.subarray(32))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

/** A key as the envelope carries it. */
export function keyView(key: KeyPair['publicKey']): KeyView {
  return { algorithm: algorithmOf(key), key: Uint8Array.from(key.bytes) };
}
