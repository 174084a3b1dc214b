/**
 * The public API of @agent-id/core, for any runtime with WebCrypto (Node, browsers, Deno,
 * Bun, workerd): it imports no `node:` module. The audit log in a file is in
 * `@agent-id/core/node`. Plumbing shared by the agent-id packages (byte helpers, base58 /
 * multibase, bounded JSON parsing, hashing) is exported from `./internal.ts`
 * (`@agent-id/core/internal`) instead, with no stability promise; the JSON Lines file from
 * `@agent-id/core/internal/node`.
 *
 * @module
 */
export * from './errors.js';
export { base64urlDecode, base64urlEncode } from './base64url.js';
export { canonicalize, canonicalizeToBytes, type CanonicalizeOptions } from './jcs.js';
export {
  JWS_ALGORITHMS,
  KEY_TYPES,
  KeyPair,
  PublicKey,
  keyTypeForAlgorithm,
  verifySignature,
  verifySignatureAsync,
  type JwsAlgorithm,
  type KeyType,
  type PrivateJwk,
  type PublicJwk,
} from './keys.js';
export {
  JWS_VERIFY_ALGORITHMS,
  VerificationKey,
  type JwsVerifyAlgorithm,
  type VerificationJwk,
  type VerificationKeyOptions,
} from './verification-key.js';
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
  auditRecord,
  verifyAuditLines,
  verifyAuditLinesReport,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditHead,
  type AuditLogReport,
  type AuditRecord,
  type AuditSink,
  type VerifyAuditLinesOptions,
  type VerifyAuditLogOptions,
} from './audit.js';
export {
  parseCompactJws,
  parseDetachedJws,
  signCompactJws,
  signDetachedJws,
  verifyJwsSignature,
  verifyJwsSignatureAsync,
  type JwsHeader,
  type JwsParseOptions,
  type ParsedJws,
} from './jws.js';
