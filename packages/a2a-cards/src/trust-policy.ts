import { type Clock, MalformedInputError } from '@agent-id/core';
import { parseDidWeb } from '@agent-id/did';

/** A signer the caller trusts, and for which hosts. */
export interface TrustedSigner {
  /** The signer's DID (the `kid` without its fragment). */
  did: string;
  /**
   * Hosts (`host` or `host:port`, lower case; `*.acme.example` matches subdomains; `*` any host)
   * whose cards this signer may sign. Default: a did:web signer its own host (with port);
   * any other DID no host at all (list them explicitly).
   */
  hosts?: readonly string[];
  /** Name reported as the rule that trusted the signature. Default `signers[<index>]`. */
  label?: string;
}

/** What a trust hook sees: a signer before its DID is resolved. */
export interface SignerCandidate {
  did: string;
  keyId: string;
  /** The card's interface hosts. */
  hosts: readonly string[];
}

/** The ownership credential requirement (VC-JWT from `@agent-id/did` `issueOwnershipCredential`). */
export interface OwnershipRequirement {
  /**
   * Issuers accepted. Default: the DIDs of the card's trusted signers, so the credential
   * links the agent to an organisation that signed the card.
   */
  trustedIssuers?: readonly string[];
  /**
   * The credential, when the verifier got it out of band. Default: the credential the card
   * carries in its signed ownership extension ({@link attachOwnershipCredential}).
   */
  credential?: string;
  /** Revocation check by credential id. */
  isRevoked?: (credentialId: string) => boolean | Promise<boolean>;
  /** Time the credential is checked at (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

/**
 * Who may sign cards for which hosts. Plain data (with optional function members); no
 * registry. Every rule is checked after the signatures have been verified.
 */
export interface TrustPolicy {
  /** Signers trusted by DID, each for a set of hosts. */
  signers?: readonly TrustedSigner[];
  /**
   * Also trust any did:web signer whose host equals every interface host of the card
   * (domain-validated trust: control of the domain's DID document). Default false.
   */
  trustDidWebHost?: boolean;
  /** Custom rule, asked for signers no other rule trusts: a rule name to trust, false not to. Runs before resolution. */
  trustSigner?: (candidate: SignerCandidate) => string | false;
  /**
   * Independent trusted signers needed. Default 1. Signers trusted through `signers` or
   * `trustSigner` count per DID; those trusted only through `trustDidWebHost` count once
   * per host, since whoever controls the host publishes all their DID documents.
   */
  minTrustedSigners?: number;
  /** DIDs that must each have signed (and be trusted). */
  requiredSigners?: readonly string[];
  /** Refuse unsigned cards (`signature_required`). Default true. */
  requireSignature?: boolean;
  /** Require an ownership credential linking a card signer (the agent) to a trusted issuer. */
  ownership?: OwnershipRequirement;
  /**
   * Card content outside what the signatures cover (fields outside the schema, entries the
   * canonical form drops): `reject` (default, `malformed_input`) or `ignore` (listed in the
   * verdict's `unsignedFields`; never part of `verdict.card`).
   */
  unsignedFields?: 'reject' | 'ignore';
}

const HOST_PATTERN = /^(\*|(\*\.)?[a-z0-9.[\]:-]+)$/;

/**
 * Checks a trust policy's shape once, up front, and returns it frozen. A malformed policy
 * is `malformed_input` (check `policy`).
 *
 * @example
 * ```ts
 * import { defineTrustPolicy } from '@agent-id/a2a-cards';
 * const policy = defineTrustPolicy({ signers: [{ did: 'did:web:globex.example' }], minTrustedSigners: 1 });
 * ```
 */
export function defineTrustPolicy(policy: TrustPolicy): Readonly<TrustPolicy> {
  const fail = (msg: string): never => {
    throw new MalformedInputError(`trust policy: ${msg}`, { check: 'policy' });
  };
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) fail('must be an object');
  const p = policy as TrustPolicy;
  if (p.signers !== undefined) {
    if (!Array.isArray(p.signers)) fail('signers must be an array');
    for (const s of p.signers) {
      if (typeof s !== 'object' || s === null || typeof s.did !== 'string' || !s.did.startsWith('did:') || s.did.includes('#')) fail('each signer needs a DID without fragment');
      if (s.hosts !== undefined && (!Array.isArray(s.hosts) || !(s.hosts as unknown[]).every((h) => typeof h === 'string' && HOST_PATTERN.test(h)))) fail(`hosts of ${s.did} must be lower-case host patterns`);
      if (s.label !== undefined && typeof s.label !== 'string') fail('label must be a string');
    }
  }
  if (p.trustDidWebHost !== undefined && typeof p.trustDidWebHost !== 'boolean') fail('trustDidWebHost must be a boolean');
  if (p.trustSigner !== undefined && typeof p.trustSigner !== 'function') fail('trustSigner must be a function');
  if (p.minTrustedSigners !== undefined && (!Number.isSafeInteger(p.minTrustedSigners) || p.minTrustedSigners < 1)) fail('minTrustedSigners must be an integer >= 1');
  if (p.requiredSigners !== undefined && (!Array.isArray(p.requiredSigners) || !p.requiredSigners.every((d) => typeof d === 'string'))) fail('requiredSigners must be DIDs');
  if (p.requireSignature !== undefined && typeof p.requireSignature !== 'boolean') fail('requireSignature must be a boolean');
  if (p.unsignedFields !== undefined && p.unsignedFields !== 'reject' && p.unsignedFields !== 'ignore') fail('unsignedFields must be "reject" or "ignore"');
  const o = p.ownership;
  if (o !== undefined) {
    if (typeof o !== 'object' || o === null) fail('ownership must be an object');
    if (o.trustedIssuers !== undefined && (!Array.isArray(o.trustedIssuers) || !o.trustedIssuers.every((d) => typeof d === 'string'))) fail('ownership.trustedIssuers must be DIDs');
    if (o.credential !== undefined && typeof o.credential !== 'string') fail('ownership.credential must be a string');
    if (o.isRevoked !== undefined && typeof o.isRevoked !== 'function') fail('ownership.isRevoked must be a function');
  }
  return Object.freeze({ ...p });
}

/** did:web host (`host` or `host:port`), or undefined for other methods. */
export function didWebHost(did: string): string | undefined {
  if (!did.startsWith('did:web:')) return undefined;
  try {
    return parseDidWeb(did).host;
  } catch {
    return undefined;
  }
}

/** Whether every host is allowed by the patterns (no hosts: only `*` allows). */
export function hostsAllowed(patterns: readonly string[], hosts: readonly string[]): boolean {
  if (patterns.includes('*')) return true;
  if (hosts.length === 0) return false;
  return hosts.every((h) => patterns.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p)));
}
