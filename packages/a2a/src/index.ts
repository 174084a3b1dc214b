/**
 * `@agent-id/a2a`: A2A servers and clients on the official SDK (`@a2a-js/sdk`) where the
 * calling agent is authenticated on every request (a capability token or its ownership
 * credential, plus a DPoP-shaped proof by its DID key, as `@agent-id/http` presents them),
 * a capability delegated in a message is accepted only when addressed to the receiver by
 * the caller, and the agent card declares the scheme. The Express server side is in
 * `@agent-id/a2a/node`.
 *
 * @module
 */
export { CAPABILITY_METADATA_KEY, TASK_METADATA_KEY, capabilityMetadata } from './capability-metadata.js';
export { capabilityOf, type CarriedCapability } from './capability-of.js';
export { dataMessage, type DataMessageOptions } from './data-message.js';
export { dataOf } from './data-of.js';
export { isMessage } from './is-message.js';
export { verifyDelegation, type VerifiedDelegation, type VerifyDelegationOptions } from './verify-delegation.js';
export { CAPABILITY_SCHEME, CREDENTIAL_SCHEME, HTTP_AUTH_SCHEME, agentIdSecurity, type AgentIdSecurity, type AgentIdSecurityOptions } from './agent-id-security.js';
export { withAgentIdSecurity } from './with-agent-id-security.js';
export { ERROR_DOMAIN, REFUSAL_CODES, jsonRpcRefusal, type JsonRpcRefusal } from './jsonrpc-refusal.js';
export { refusalOfA2AError } from './refusal-of-a2a-error.js';
export { AuthenticatedAgent, type AuthenticatedBy } from './authenticated-agent.js';
export { callerOf } from './caller-of.js';
export { A2AGuard, type A2AAllow, type A2ACall, type A2ADecision, type A2ADeny, type A2AGuardOptions, type A2ARequestMapper } from './a2a-guard.js';
export { createA2AFetch, type A2AFetchOptions } from './a2a-fetch.js';
export { createA2AClientFactory } from './a2a-client-factory.js';
export { sendDelegation, type SendDelegationOptions, type SentDelegation } from './send-delegation.js';
