import { base58Encode, concatBytes, multibaseEncode } from '@agent-id/core/internal';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { DidDocument, VerificationMethod } from './document.js';
import { publicKeyFromDidKey } from './did-key.js';

// Multicodec prefix of an X25519 public key (0xec, as a varint).
const X25519_PREFIX = new Uint8Array([0xec, 0x01]);

/**
 * The DID document of a did:key, offline, with core's key decoding (`publicKeyFromDidKey`:
 * Ed25519, P-256, secp256k1). The document is the one key-did-resolver 4 gives (an Ed25519
 * key also yields its X25519 key agreement key), except that P-256 JWK coordinates keep
 * their full 32 bytes (RFC 7518) where key-did-resolver drops leading zero bytes. A
 * malformed did:key is `malformed_input`, another key type `unsupported_algorithm`, another DID
 * method `unknown_did`.
 *
 * @example
 * ```ts
 * const doc = didKeyDocument('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
 * doc.assertionMethod; // ['did:key:z6Mk…#z6Mk…']
 * ```
 */
export function didKeyDocument(did: string): DidDocument {
  const key = publicKeyFromDidKey(did);
  const bare = did.split('#')[0]!;
  const fingerprint = key.toMultibase();
  const keyId = `${bare}#${fingerprint}`;
  const method: VerificationMethod = { id: keyId, type: '', controller: bare };
  if (key.type === 'Ed25519') {
    method.type = 'Ed25519VerificationKey2018';
    method.publicKeyBase58 = base58Encode(key.bytes);
  } else if (key.type === 'secp256k1') {
    method.type = 'Secp256k1VerificationKey2018';
    method.publicKeyBase58 = base58Encode(key.bytes);
  } else {
    method.type = 'JsonWebKey2020';
    method.publicKeyJwk = key.toJwk();
  }
  const doc: DidDocument = {
    id: bare,
    verificationMethod: [method],
    authentication: [keyId],
    assertionMethod: [keyId],
    capabilityDelegation: [keyId],
    capabilityInvocation: [keyId],
  };
  if (key.type === 'Ed25519') {
    const x25519 = ed25519.utils.toMontgomery(key.bytes);
    doc.keyAgreement = [
      { id: `${bare}#${multibaseEncode(concatBytes(X25519_PREFIX, x25519))}`, type: 'X25519KeyAgreementKey2019', controller: bare, publicKeyBase58: base58Encode(x25519) },
    ];
  }
  return doc;
}
