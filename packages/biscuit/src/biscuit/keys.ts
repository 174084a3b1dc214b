import { type KeyPair, type PublicKey, UnsupportedAlgorithmError } from '@agent-id/core';
import type { Glue } from '../wasm/runtime.js';

type Algorithm = 0 | 1;

/** biscuit-wasm's algorithm number for a key type (Ed25519 = 0, P-256 = 1). */
export function algorithmOf(key: PublicKey): Algorithm {
  if (key.type === 'Ed25519') return 0;
  if (key.type === 'P-256') return 1;
  throw new UnsupportedAlgorithmError(`Biscuit supports Ed25519 and P-256 keys, not ${key.type}`, { check: 'key_type' });
}

/** A public key as a Datalog scope parameter (`ed25519/<hex>`, `secp256r1/<hex>`). */
export function datalogKey(key: PublicKey): string {
  const prefix = algorithmOf(key) === 0 ? 'ed25519' : 'secp256r1';
  return `${prefix}/${Buffer.from(key.bytes).toString('hex')}`;
}

export function wasmPublicKey(glue: Glue, key: PublicKey): Glue['PublicKey']['prototype'] {
  return glue.PublicKey.fromBytes(key.bytes, algorithmOf(key) as Glue['SignatureAlgorithm'][keyof Glue['SignatureAlgorithm']]);
}

export function wasmPrivateKey(glue: Glue, keyPair: KeyPair): Glue['PrivateKey']['prototype'] {
  const secret = keyPair.exportSecretKey();
  try {
    return glue.PrivateKey.fromBytes(secret, algorithmOf(keyPair.publicKey) as Glue['SignatureAlgorithm'][keyof Glue['SignatureAlgorithm']]);
  } finally {
    secret.fill(0);
  }
}
