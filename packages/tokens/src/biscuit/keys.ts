import { type KeyPair, type PublicKey, UnsupportedAlgorithmError } from '@agent-id/core';
import type { Glue } from '../wasm/runtime.js';
import { bytesToHex } from '@agent-id/core/internal';

type Algorithm = 0 | 1;

/** biscuit-wasm's algorithm number for a key type (Ed25519 = 0, P-256 = 1). */
export function algorithmOf(key: PublicKey): Algorithm {
  if (key.type === 'Ed25519') return 0;
  if (key.type === 'P-256') return 1;
  throw new UnsupportedAlgorithmError(`Biscuit supports Ed25519 and P-256 keys, not ${key.type}`, { check: 'key_type' });
}

/**
 * Refuses a Biscuit root key that is not Ed25519 (`unsupported_algorithm`). The authority
 * block's signature is made by the root key and is its revocation id; an ECDSA (P-256)
 * signature is malleable ((r, s) → (r, n − s) verifies too), so anyone holding a token
 * could give hop 0 a fresh revocation id and escape its revocation. Ed25519 signatures
 * are not malleable (the verifier requires a canonical S). Agent keys may be P-256: their
 * signatures are covered by the block signature and never form a revocation id.
 */
export function assertRootKey(key: PublicKey): 0 {
  if (key?.type !== 'Ed25519') {
    throw new UnsupportedAlgorithmError(`a Biscuit root key must be Ed25519, not ${String(key?.type)}: ECDSA signatures are malleable and the root's signature is hop 0's revocation id`, { check: 'root_key_type' });
  }
  return 0;
}

/** A public key as a Datalog scope parameter (`ed25519/<hex>`, `secp256r1/<hex>`). */
export function datalogKey(key: PublicKey): string {
  const prefix = algorithmOf(key) === 0 ? 'ed25519' : 'secp256r1';
  return `${prefix}/${bytesToHex(key.bytes)}`;
}

/**
 * A public key for biscuit-wasm. `role` defaults to `'root'` (a key tokens are verified
 * against: Ed25519 only, see {@link assertRootKey}); pass `'agent'` for a delegating
 * agent's key (Ed25519 or P-256).
 */
export function wasmPublicKey(glue: Glue, key: PublicKey, role: 'root' | 'agent' = 'root'): Glue['PublicKey']['prototype'] {
  const algorithm = role === 'root' ? assertRootKey(key) : algorithmOf(key);
  return glue.PublicKey.fromBytes(key.bytes, algorithm as Glue['SignatureAlgorithm'][keyof Glue['SignatureAlgorithm']]);
}

export function wasmPrivateKey(glue: Glue, keyPair: KeyPair): Glue['PrivateKey']['prototype'] {
  const secret = keyPair.exportSecretKey();
  try {
    return glue.PrivateKey.fromBytes(secret, algorithmOf(keyPair.publicKey) as Glue['SignatureAlgorithm'][keyof Glue['SignatureAlgorithm']]);
  } finally {
    secret.fill(0);
  }
}
