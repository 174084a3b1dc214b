/**
 * Plumbing the agent-id packages share: byte helpers, base58 / multibase, bounded JSON
 * parsing, SHA-256 and HMAC, random bytes, well-formed strings. The append-only JSON Lines
 * file (Node only) is in `@agent-id/core/internal/node`.
 *
 * For the agent-id packages only (`@agent-id/core/internal`), like jose's `lib/`: no
 * stability promise, anything here may change or go in any release. Users import
 * `@agent-id/core`.
 *
 * @module internal
 */
export { abytes, assertSize, bytesToUtf8, concatBytes, equalBytes, utf8ToBytes } from './bytes.js';
export { assertCanonicalBase64url, base64urlSextet, isCanonicalBase64url } from './base64url.js';
export { base58Decode, base58Encode, multibaseDecode, multibaseEncode } from './multibase.js';
export { isRecord, parseJson, type ParseJsonOptions } from './json.js';
export { sha256Base64url, sha256Hex, sha256PartsAsync, sha256Text } from './hash.js';
export { decidePermits } from './capability.js';
// bytesFromBase64url: lenient (whitespace, any trailing bits); only for text already found canonical (assertCanonicalBase64url).
export { bytesFromBase64url, bytesToHex, hmacSha256, hmacSha256Key, PLATFORM, publicKeyFromSecret, sha256, sha256Parts, utf8Length, type DigestEncoding, type HmacKey } from '#platform';
export { randomBytes, randomUUID } from './random.js';
export { ed25519PublicKeyFromSecretAsync, ed25519RawSign, ed25519RawVerifier, ed25519VerifyOnceAsync, p256RawVerifier, type RawVerifier } from './raw-verifier.js';
export { isWellFormed, toWellFormed } from './unicode.js';
export { auditEntryLine, auditHeaderLine } from './audit.js';
export { signCheckpoint, type CheckpointLine } from './audit-checkpoint.js';
export { LOG_ID } from './audit-lines.js';
export { BoundedMap, BoundedSet, WeightedMap } from './bounded.js';
export { deepFreeze } from './deep-freeze.js';
