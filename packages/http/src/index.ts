/**
 * `@agent-id/http`: presenting a capability in one HTTP request — the token in
 * `Authorization: DPoP`, a per-request proof signed by the agent's DID key in `DPoP` —
 * and the server's check, with RFC 9728 metadata and standard challenges. Node adapters
 * are in `@agent-id/http/node`.
 *
 * @module
 */
export { PROOF_TYPE, createProof, type CreateProofOptions, type ProofSigner } from './create-proof.js';
export { verifyProof, type VerifiedProof, type VerifyProofOptions } from './verify-proof.js';
export { normalizeHtu } from './htu.js';
export { ReplayCache, type ReplayCacheOptions, type ReplayStore } from './replay-cache.js';
export { NonceIssuer, type NonceIssuerOptions } from './nonces.js';
export { CredentialCache, type CredentialCacheOptions, type CredentialCheck } from './credential-cache.js';
export { routeTable, type MappedRequest, type RequestFacts, type RequestMapper, type Route } from './request-map.js';
export { PROOF_ALGORITHMS, refusalOf, type OAuthError, type Refusal, type RefusalBody, type RefusalStage } from './refusal.js';
export { metadataUrlOf, type ProtectedResourceMetadata } from './metadata.js';
export {
  CREDENTIAL_HEADER,
  HttpGuard,
  type AuthenticatedRequest,
  type GuardedRequest,
  type HttpAllow,
  type HttpDecision,
  type HttpDeny,
  type HttpGuardOptions,
} from './guard.js';
export { guardFetchHandler, refusalResponse, type AllowedFetchHandler, type GuardFetchOptions } from './fetch-handler.js';
export { createAgentFetch, type AgentFetch, type AgentFetchOptions } from './agent-fetch.js';
export { readJsonBody, type JsonBody, type ReadJsonBodyOptions } from './json-body.js';
