import { MalformedInputError, PublicKey, UnsupportedAlgorithmError } from '@agent-id/core';
import { base58Decode, isRecord } from '@agent-id/core/internal';

const TYPE_BY_VM: Record<string, 'Ed25519' | 'secp256k1'> = {
  Ed25519VerificationKey2018: 'Ed25519',
  Ed25519VerificationKey2020: 'Ed25519',
  Secp256k1VerificationKey2018: 'secp256k1',
  EcdsaSecp256k1VerificationKey2019: 'secp256k1',
};

/**
 * The public key of a verification method: `publicKeyJwk` (JsonWebKey2020 and others),
 * `publicKeyMultibase` (Multikey, Ed25519VerificationKey2020) or `publicKeyBase58`
 * (the 2018 suites). Unknown encodings are `unsupported_algorithm`; bad keys `malformed_input`.
 *
 * @example
 * ```ts
 * const key = publicKeyFromVerificationMethod(doc.verificationMethod[0]);
 * ```
 */
export function publicKeyFromVerificationMethod(vm: unknown): PublicKey {
  if (!isRecord(vm)) throw new MalformedInputError('verification method is not an object', { check: 'verification_method' });
  if (vm.publicKeyJwk !== undefined) return PublicKey.fromJwk(vm.publicKeyJwk);
  if (typeof vm.publicKeyMultibase === 'string') {
    // Ed25519VerificationKey2020 and Multikey both carry a multicodec-prefixed key.
    return PublicKey.fromMultibase(vm.publicKeyMultibase);
  }
  if (typeof vm.publicKeyBase58 === 'string') {
    const type = typeof vm.type === 'string' ? TYPE_BY_VM[vm.type] : undefined;
    if (!type) throw new UnsupportedAlgorithmError(`verification method type ${typeof vm.type === 'string' ? vm.type.slice(0, 64) : `(a ${typeof vm.type})`} is not supported`, { check: 'key_type' });
    return PublicKey.fromBytes(type, base58Decode(vm.publicKeyBase58, 'publicKeyBase58'));
  }
  throw new UnsupportedAlgorithmError('verification method has no supported key encoding', { check: 'key_type' });
}
