export { didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
export {
  VERIFICATION_RELATIONSHIPS,
  type DidDocument,
  type VerificationMethod,
  type VerificationRelationship,
} from './document.js';
export { publicKeyFromVerificationMethod } from './verification-method.js';
export {
  createDidWebDocument,
  didWebDocumentUrl,
  didWebFromDomain,
  isLoopbackHost,
  parseDidWeb,
  type DidWebLocation,
  type PublishedKey,
} from './did-web.js';
export { createDidResolver, type DidResolver, type DidResolverOptions, type ResolvedKey } from './resolver.js';
export {
  createAgentIdentity,
  type AgentIdentity,
  type CreateDidKeyOptions,
  type CreateDidWebOptions,
  type CreateIdentityOptions,
  type DidWebIdentity,
} from './identity.js';
export { didDocumentHandler } from './serve.js';
export { Keystore, loadKeyPair, saveKeyPair, type SaveKeyOptions } from './keystore.js';
export {
  OWNERSHIP_CREDENTIAL_TYPE,
  issueOwnershipCredential,
  verifyOwnershipCredential,
  type IssueOwnershipOptions,
  type OwnershipClaims,
  type VerifiedOwnershipCredential,
  type VerifyOwnershipOptions,
} from './credential.js';
export {
  ChallengeStore,
  presentOwnership,
  requestDigest,
  verifyProofOfControl,
  type Challenge,
  type ChallengeStoreOptions,
  type PresentOptions,
  type VerifiedAgent,
  type VerifyProofOptions,
} from './proof-of-control.js';
export { fetchBounded, type BoundedResponse, type FetchBoundedOptions } from './fetch-bounded.js';
