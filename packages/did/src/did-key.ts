import { MalformedInputError, PublicKey, UnknownDidError } from '@agent-id/core';
import { BoundedMap } from '@agent-id/core/internal';

// Decoding and subgroup checks cost more than a signature verification, and the result
// depends only on the string: keep the last few (PublicKey is immutable).
const MAX_CACHED = 1024;
const decoded = new BoundedMap<string, PublicKey>(MAX_CACHED);

const DID_KEY = /^did:key:(z[1-9A-HJ-NP-Za-km-z]{32,200})$/;

/**
 * The did:key for a public key (`did:key:z6Mk…` Ed25519, `zDn…` P-256, `zQ3s…` secp256k1).
 *
 * @example
 * ```ts
 * const did = didKeyFromPublicKey(KeyPair.generate().publicKey);
 * ```
 */
export function didKeyFromPublicKey(publicKey: PublicKey): string {
  if (!(publicKey instanceof PublicKey)) throw new TypeError('publicKey must be a PublicKey');
  return `did:key:${publicKey.toMultibase()}`;
}

/**
 * The public key a did:key encodes, offline. A DID URL fragment is ignored. Anything that
 * is not a well-formed did:key of a supported key type is `unknown_did` or `malformed_input`.
 *
 * @example
 * ```ts
 * publicKeyFromDidKey('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
 * ```
 */
export function publicKeyFromDidKey(did: string): PublicKey {
  if (typeof did !== 'string') throw new MalformedInputError('DID is not a string', { check: 'did_syntax' });
  const bare = did.split('#')[0]!;
  const cached = decoded.get(bare);
  if (cached) return cached;
  const m = DID_KEY.exec(bare);
  if (!m) {
    if (bare.startsWith('did:key:')) throw new MalformedInputError('did:key identifier is malformed', { check: 'did_syntax' });
    throw new UnknownDidError(`${bare.slice(0, 64)} is not a did:key`);
  }
  const key = PublicKey.fromMultibase(m[1]!);
  // One key, one DID: an uncompressed EC encoding of the same key is refused.
  if (key.toMultibase() !== m[1]) throw new MalformedInputError('did:key is not in canonical (compressed) form', { check: 'did_syntax' });
  decoded.set(bare, key);
  return key;
}
