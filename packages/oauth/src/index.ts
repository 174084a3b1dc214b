/**
 * `@agent-id/oauth`: the organisation's RFC 8693 token service — a user's login exchanged
 * for an agent's capability, a capability exchanged for an RFC 9068 access token with an
 * `act` chain — with RFC 8414 metadata and a JWKS. Node adapters are in `@agent-id/oauth/node`.
 *
 * @module
 */
export { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from './token-types.js';
export { tokenErrorOf, type ExchangeStage, type TokenErrorBody, type TokenErrorCode } from './oauth-error.js';
export { verifySubjectToken, type TrustedIdentityProvider, type VerifiedSubjectToken, type VerifySubjectTokenOptions } from './verify-subject-token.js';
export { AccessTokenKeys, type AccessTokenAlgorithm, type AccessTokenKeysOptions, type PublishedKey } from './access-token-keys.js';
export { grantedScope, type ScopeDefinition } from './scopes.js';
export {
  TokenService,
  type AgentPolicy,
  type AuthorizationServerMetadata,
  type ConsentStore,
  type ConsentSubject,
  type PolicySubject,
  type ProtectedApi,
  type TokenExchangeFailure,
  type TokenExchangeResult,
  type TokenExchangeSuccess,
  type TokenRequest,
  type TokenServiceOptions,
  type WorkloadTrust,
} from './token-service.js';
export { actClaim } from './act-claim.js';
export { verifyJwtSvid, type JwtSvidAlgorithm, type VerifiedJwtSvid, type VerifyJwtSvidOptions } from './verify-jwt-svid.js';
export { parseSpiffeId, type SpiffeId } from './spiffe-id.js';
export { parseTrustDomain } from './trust-domain.js';
export type { SpiffeBundle, SpiffeBundles } from './spiffe-bundles.js';
export { tokenServiceFetchHandler } from './fetch-handler.js';
export { agentPolicyTable } from './agent-policy-table.js';
export { consentTable, type ConsentRecord } from './consent-table.js';
