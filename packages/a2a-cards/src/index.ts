export type * from './types.js';
export { canonicalizeAgentCard, type CanonicalizeAgentCardOptions } from './canonicalize-agent-card.js';
export { signAgentCard, type CardSigner, type SignAgentCardOptions } from './sign-agent-card.js';
export {
  verifyAgentCard,
  type AgentCardVerdict,
  type CardOwnership,
  type OtherCardSignature,
  type TrustedCardSigner,
  type VerifyAgentCardOptions,
} from './verify-agent-card.js';
export {
  defineTrustPolicy,
  type OwnershipRequirement,
  type DidSigner,
  type JwksSigner,
  type KeySigner,
  type SignerCandidate,
  type TrustPolicy,
  type TrustedSigner,
} from './trust-policy.js';
export { createJwksCache, type JwksCache, type JwksCacheOptions } from './jwks-cache.js';
export type { CanonicalReading } from './normalize.js';
export { OWNERSHIP_EXTENSION_URI, attachOwnershipCredential } from './ownership-extension.js';
export { AGENT_CARD_PATH, fetchAndVerify, type FetchAndVerifyOptions, type FetchedAgentCardVerdict } from './fetch-and-verify.js';
