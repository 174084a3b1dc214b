export { didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
export { didKeyDocument } from './did-key-document.js';
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
export { STATUS_PURPOSES, type CredentialStatusEntry, type StatusPurpose } from './credential-status-entry.js';
export { STATUS_LIST_MIN_LENGTH, decodeStatusList, encodeStatusList, type DecodeStatusListOptions } from './status-list-encoding.js';
export {
  STATUS_LIST_CREDENTIAL_TYPE,
  issueStatusListCredential,
  verifyStatusListCredential,
  type IssueStatusListOptions,
  type VerifiedStatusList,
  type VerifyStatusListOptions,
} from './status-list-credential.js';
export { createStatusListResolver, type StatusListResolver, type StatusListResolverOptions } from './status-list-resolver.js';
export { checkCredentialStatus } from './check-credential-status.js';
export { MemoryStatusListStore, type StatusListRecord, type StatusListStore } from './status-list-store.js';
export { StatusList, type StatusListOptions } from './status-list.js';
export type { CredentialOrStatus } from './credential-status-change.js';
export { revokeCredential } from './revoke-credential.js';
export { reinstateCredential, suspendCredential } from './suspend-credential.js';
export { VC_V2_CONTEXT } from './vcdm2.js';
export { fetchBounded, type BoundedResponse, type FetchBoundedOptions } from './fetch-bounded.js';
