export * from './errors.js';
export { abytes, assertSize, bytesToUtf8, concatBytes, equalBytes, utf8ToBytes } from './bytes.js';
export { base64urlDecode, base64urlEncode } from './base64url.js';
export { base58Decode, base58Encode, multibaseDecode, multibaseEncode } from './multibase.js';
export { canonicalize, canonicalizeToBytes, type CanonicalizeOptions } from './jcs.js';
export { isRecord, parseJson, type ParseJsonOptions } from './json.js';
export {
  JWS_ALGORITHMS,
  KEY_TYPES,
  KeyPair,
  PublicKey,
  keyTypeForAlgorithm,
  verifySignature,
  type JwsAlgorithm,
  type KeyType,
  type PrivateJwk,
  type PublicJwk,
} from './keys.js';
export {
  CLOCK_RANGE_MS,
  MAX_CLOCK_TOLERANCE_SEC,
  fixedClock,
  isEpochMillis,
  manualClock,
  parseDuration,
  readClock,
  readClockSeconds,
  readClockTolerance,
  systemClock,
  toEpochMillis,
  type Clock,
  type ManualClock,
} from './clock.js';
export {
  SCOPE_LIMITS,
  assertCanonicalResources,
  assertCapabilityRequest,
  assertNarrows,
  assertPermits,
  assertScope,
  canonicalResourcePath,
  isCanonicalPattern,
  isCanonicalResource,
  narrowScope,
  patternWithin,
  resourceMatches,
  scopePermits,
  type Capability,
  type CapabilityRequest,
  type DelegationHop,
  type Scope,
} from './capability.js';
export {
  AuditLog,
  auditRecord,
  verifyAuditLines,
  verifyAuditLinesReport,
  verifyAuditLog,
  verifyAuditLogReport,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditHead,
  type AuditLogOptions,
  type AuditLogReport,
  type AuditRecord,
  type AuditSink,
  type VerifyAuditLinesOptions,
  type VerifyAuditLogOptions,
} from './audit.js';
export { sha256Hex } from './hash.js';
export {
  parseCompactJws,
  parseDetachedJws,
  signCompactJws,
  signDetachedJws,
  verifyJwsSignature,
  type JwsHeader,
  type JwsParseOptions,
  type ParsedJws,
} from './jws.js';
export { isWellFormed, toWellFormed } from './unicode.js';
export { JsonLinesWriter } from './json-lines-writer.js';
