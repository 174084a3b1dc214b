export { mintCapability } from './mint.js';
export { attenuate } from './attenuate.js';
export { authorize } from './authorize.js';
export { inspect, type InspectOptions } from './inspect.js';
export type { TrustedRootKey } from './roots.js';
export { verifyChain, type VerifiedChain, type VerifyChainOptions } from './verify-chain.js';
export { refusalRecord, type RefusalInput, type RefusalRecordOptions } from './refusal-record.js';
export { ResourceGuard, type GuardDecision, type GuardRequest, type ResourceGuardOptions } from './resource-guard.js';
export { bindDischarge, dischargeThirdPartyCaveat, type DischargeOptions } from './macaroon/discharge.js';
export { CapabilityToken, type TokenFormat } from './token.js';
export { DEFAULT_LIMITS, type TokenLimits } from './limits.js';
export {
  FileRevocationStore,
  MemoryRevocationStore,
  type RevocationEntry,
  type RevocationQuery,
  type RevocationStore,
  type RevocationTarget,
} from './revocation.js';
export { biscuitRuntimeStats, configureBiscuitRuntime, type BiscuitRuntimeOptions, type BiscuitRuntimeStats } from './wasm/runtime.js';
export type {
  AttenuateOptions,
  AuthorizationResult,
  AuthorizeOptions,
  BiscuitMintOptions,
  InspectedBlock,
  MacaroonMintOptions,
  MacaroonRootSecret,
  MintOptions,
  ThirdPartyCaveatInfo,
  ThirdPartyCaveatSpec,
  TokenInspection,
} from './types.js';
