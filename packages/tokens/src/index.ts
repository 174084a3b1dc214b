export { mintCapability, type BiscuitMintOptions, type MacaroonMintOptions, type MintOptions } from './mint.js';
export { attenuate, type AttenuateOptions } from './attenuate.js';
export { authorize, type AuthorizationResult, type AuthorizeOptions } from './authorize.js';
export { inspectToken, type InspectedBlock, type InspectOptions, type TokenInspection } from './inspect.js';
export type { MacaroonRootSecret, TrustedRootKey, TrustedRoots } from './roots.js';
export { verifyChain, type VerifiedChain, type VerifyChainOptions } from './verify-chain.js';
export { refusalRecord, type RefusalInput, type RefusalRecordOptions } from './refusal-record.js';
export { ResourceGuard, type GuardDecision, type GuardRequest, type ResourceGuardOptions } from './resource-guard.js';
export {
  bindDischarge,
  dischargeThirdPartyCaveat,
  type DischargeOptions,
  type ThirdPartyCaveatInfo,
  type ThirdPartyCaveatSpec,
} from './macaroon/discharge.js';
export { CapabilityToken, type TokenFormat } from './token.js';
export { DEFAULT_LIMITS, type TokenLimits } from './limits.js';
export {
  MemoryRevocationStore,
  isRevocationId,
  validRevocationTarget,
  type RevocationEntry,
  type RevocationQuery,
  type RevocationStore,
  type RevocationTarget,
} from './revocation.js';
export { biscuitRuntimeStats, configureBiscuitRuntime, type BiscuitRuntimeOptions, type BiscuitRuntimeStats } from './wasm/runtime-state.js';
export { configureSignatureCache, signatureCacheStats, type SignatureCacheOptions, type SignatureCacheStats } from './signature-cache.js';
