import { type KeyObject, constants, verify } from 'node:crypto';

const CURVES: Readonly<Record<string, string>> = { '256': 'prime256v1', '384': 'secp384r1', '512': 'secp521r1' };

/**
 * @internal Whether a JWS compact serialization's signature verifies under `alg` with `key`,
 * with node:crypto: synchronous, where WebCrypto (jose's path) queues each check on the
 * thread pool and awaits it. RSASSA-PKCS1-v1_5 and -PSS (salt length = hash length, RFC
 * 7518 §3.5), ECDSA (raw `r‖s`, RFC 7518 §3.4) and EdDSA; any other `alg`, a key of the
 * wrong type or a malformed signature is `false`, never a throw.
 */
export function verifiesJws(token: string, alg: string, key: KeyObject): boolean {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return false;
  const data = Buffer.from(token.slice(0, dot), 'latin1');
  const encoded = token.slice(dot + 1);
  const signature = Buffer.from(encoded, 'base64url');
  // Only the canonical base64url of the signature: no other spelling of the same token verifies.
  if (signature.toString('base64url') !== encoded) return false;
  const bits = alg.slice(2);
  const hash = bits === '256' ? 'sha256' : bits === '384' ? 'sha384' : bits === '512' ? 'sha512' : undefined;
  try {
    if (alg === 'EdDSA' || alg === 'Ed25519') return key.asymmetricKeyType === 'ed25519' && verify(null, data, key, signature);
    if (hash === undefined) return false;
    // RFC 7518 §3.3: RSA keys of 2048 bits or more.
    const rsa = key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
    if (alg.startsWith('RS')) return rsa && verify(hash, data, key, signature);
    if (alg.startsWith('PS')) return rsa && verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    if (alg.startsWith('ES')) return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVES[bits] && verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
  return false;
}
