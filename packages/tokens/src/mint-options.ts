import type { Clock, KeyPair } from '@agent-id/core';
import type { ThirdPartyCaveatSpec } from './macaroon/discharge.js';
import type { MacaroonRootSecret } from './roots.js';

/** Options of `mintCapability` for the Biscuit form. */
export interface BiscuitMintOptions {
  format: 'biscuit';
  /** The organisation's root key: Ed25519 (any other type is refused with `unsupported_algorithm`). */
  rootKey: KeyPair;
  /** The organisation's DID, recorded as the first hop's delegator. Default: did:key of `rootKey`. */
  issuer?: string;
  /** The time recorded as the token's issue time. Default: system clock; one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

/** Options of `mintCapability` for the Macaroon form. */
export interface MacaroonMintOptions {
  format: 'macaroon';
  rootSecret: MacaroonRootSecret;
  /** The organisation's DID, recorded as the first hop's delegator. */
  issuer: string;
  /** Third-party caveats the holder must discharge. */
  thirdPartyCaveats?: readonly ThirdPartyCaveatSpec[];
  /** The time recorded as the token's issue time. Default: system clock; one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

/** Options of `mintCapability`. */
export type MintOptions = BiscuitMintOptions | MacaroonMintOptions;
