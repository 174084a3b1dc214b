import type { AuditRecord, Capability, CapabilityRequest, Clock, DelegationHop, KeyPair, PublicKey, Scope } from '@agent-id/core';
import type { TokenLimits } from './limits.js';
import type { RevocationStore } from './revocation.js';
import type { TrustedRootKey } from './roots.js';
import type { CapabilityToken, TokenFormat } from './token.js';

/**
 * An organisation's Macaroon root secret. Each token's HMAC root key is derived from it
 * (HMAC-SHA256 over a random token id), so the secret itself never signs a token.
 */
export interface MacaroonRootSecret {
  /** Names the secret inside tokens, so secrets can be rotated. */
  id: string;
  /** At least 32 random bytes. */
  secret: Uint8Array;
  /** The organisation DID this secret speaks for: tokens naming another issuer are refused. */
  issuer?: string;
}

/**
 * A third-party caveat to add: the token is only usable together with a discharge
 * macaroon from the organisation at `location`, which shares `secret` with the issuer.
 */
export interface ThirdPartyCaveatSpec {
  /** Where the discharger is found (for the holder; verified against the caveat id). */
  location: string;
  /** Id of the secret shared with the third party. */
  keyId: string;
  /** The secret shared with the third party (at least 32 bytes). */
  secret: Uint8Array;
  /** What the third party must confirm, e.g. `delegation-live`. */
  condition: string;
}

/** Options of {@link mintCapability} for the Biscuit form. */
export interface BiscuitMintOptions {
  format: 'biscuit';
  /** The organisation's root key (Ed25519 or P-256). */
  rootKey: KeyPair;
  /** The organisation's DID, recorded as the first hop's delegator. Default: did:key of `rootKey`. */
  issuer?: string;
}

/** Options of {@link mintCapability} for the Macaroon form. */
export interface MacaroonMintOptions {
  format: 'macaroon';
  rootSecret: MacaroonRootSecret;
  /** The organisation's DID, recorded as the first hop's delegator. */
  issuer: string;
  /** Third-party caveats the holder must discharge. */
  thirdPartyCaveats?: readonly ThirdPartyCaveatSpec[];
}

/** Options of {@link mintCapability}. */
export type MintOptions = BiscuitMintOptions | MacaroonMintOptions;

/** Options of {@link attenuate}. */
export interface AttenuateOptions {
  /** The delegate's DID. For Biscuit it must be a did:key, since it signs the next hop. */
  to: string;
  /** What to narrow; fields left out are inherited, depth goes down by one. */
  narrowing?: Partial<Scope>;
  /** Biscuit: the current holder's key pair (its did:key must be the holder). Signs the hop. */
  signer?: KeyPair;
  /** Biscuit: the trusted root key(s), to read the token. */
  rootPublicKey?: PublicKey | readonly PublicKey[];
  /** Macaroon: third-party caveats to add with this hop. */
  thirdPartyCaveats?: readonly ThirdPartyCaveatSpec[];
  limits?: Partial<TokenLimits>;
}

/** Options of {@link authorize}. */
export interface AuthorizeOptions {
  /** What is asked: resource, action, the verifier's own DID as audience, and the task when known. */
  request: CapabilityRequest;
  /**
   * DID of the agent presenting the token. The caller must have checked its proof of key
   * control; the token must have been delegated to it (`holder_mismatch` otherwise).
   */
  presenter: string;
  /** Biscuit: trusted root public key(s), bare or bound to the issuer they speak for. */
  rootPublicKey?: TrustedRootKey | readonly TrustedRootKey[];
  /**
   * Biscuit: after every native check passed, also have biscuit-wasm parse the token
   * (verifying its signatures a second time, independently) and run its Datalog
   * authorizer. Default false: signatures are verified with node:crypto, and since every
   * block must be the template this package writes, the native checks decide exactly
   * what those blocks' Datalog decides (a differential test holds the two together).
   * Turn on for defence in depth at about twice the cost.
   */
  datalog?: boolean;
  /** Macaroon: trusted root secret(s), matched by id. */
  rootSecrets?: MacaroonRootSecret | readonly MacaroonRootSecret[];
  /** Macaroon: discharge macaroons bound to this token ({@link bindDischarge}). */
  discharges?: readonly (CapabilityToken | string)[];
  /** Consulted on every call; without it nothing is treated as revoked. */
  revocations?: RevocationStore;
  /** Time source. Default: system clock. */
  clock?: Clock;
  limits?: Partial<TokenLimits>;
}

/** What {@link authorize} verified. */
export interface AuthorizationResult {
  format: TokenFormat;
  /** The presenting agent, proven to be the final holder. */
  agent: string;
  /** The user or organisation on whose behalf it acts. */
  onBehalfOf: string;
  /** The organisation that minted the token (first hop's delegator). */
  issuer: string;
  task: string;
  /** Every hop from the authority to the acting agent. */
  chain: DelegationHop[];
  /** Revocation id of each hop, parallel to `chain`. */
  revocationIds: string[];
  /** The scope left after the last hop. */
  effective: Scope;
  /** The allow decision as an audit record. */
  record: AuditRecord;
}

/** One block (Biscuit) or caveat group (Macaroon) as shown by {@link inspect}. */
export interface InspectedBlock {
  index: number;
  /** `authority`, `hop`, or `unattributed` for content no delegator could be shown to have signed. */
  kind: 'authority' | 'hop' | 'unattributed';
  revocationId: string;
  /** Datalog source (Biscuit, display only) or caveats (Macaroon), one per line. */
  source: string[];
}

/** The unverified view {@link inspect} returns. */
export interface TokenInspection {
  format: TokenFormat;
  /** Always false: inspection decides nothing. */
  verified: false;
  notice: string;
  issuer: string;
  onBehalfOf: string;
  task: string;
  /** The chain as the token states it. */
  chain: DelegationHop[];
  blocks: InspectedBlock[];
  /** Macaroon: third-party caveats awaiting discharge. */
  thirdPartyCaveats: ThirdPartyCaveatInfo[];
  /** Human-readable text of all of the above. */
  text: string;
}

/** A third-party caveat as the holder sees it. */
export interface ThirdPartyCaveatInfo {
  location: string;
  keyId: string;
  condition: string;
  /** The caveat id to send to the discharger (base64url). */
  caveatId: string;
}

export type { Capability };
