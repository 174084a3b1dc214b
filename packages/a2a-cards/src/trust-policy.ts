import { type Clock, MalformedInputError, VerificationKey } from '@agent-id/core';
import { BoundedMap, isRecord } from '@agent-id/core/internal';
import { type StatusListResolver, parseDidWeb } from '@agent-id/did';
import { policyJwksHost } from './jwks-cache.js';

interface SignerRule {
  /**
   * Hosts (`host` or `host:port`, lower case; `*.acme.example` matches subdomains; `*` any host)
   * whose cards this signer may sign. Default: a did:web signer its own host (with port), a
   * JWKS signer the host of its URL; a did:key or a pinned key no host at all (list them).
   */
  hosts?: readonly string[];
  /** Name reported as the rule that trusted the signature. Default `signers[<index>]`. */
  label?: string;
  /** This signer must have signed the card (and be trusted for its hosts). Default false. */
  required?: boolean;
}

/** A signer known by its DID: keys come from the `kid`'s DID document (`assertionMethod`). */
export interface DidSigner extends SignerRule {
  /** The signer's DID (the `kid` without its fragment). */
  did: string;
}

/** A signer known by a public key the verifier pinned: a card signature whose `kid` equals the key's `kid` uses it. */
export interface KeySigner extends SignerRule {
  /** The public JWK, with its `kid` (RSA 2048+, P-256, P-384, P-521, secp256k1 or Ed25519). */
  jwk: Readonly<Record<string, unknown>>;
}

/**
 * A signer known by a JWK set the verifier names: a card signature's `kid` is looked up
 * there (fetched with the bounded fetch, cached). A card's `jku` equal to one of these URLs
 * selects it; any other `jku` is ignored and never contacted.
 */
export interface JwksSigner extends SignerRule {
  /** HTTPS URL(s) of the signer's JWKS. */
  jwks: string | readonly string[];
}

/** A signer the caller trusts, and for which hosts: by DID, by pinned key, or by JWKS URL. */
export type TrustedSigner = DidSigner | KeySigner | JwksSigner;

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
  /**
   * Status lists (W3C Bitstring Status List) of credentials that carry `credentialStatus`:
   * a revoked or suspended agent's card fails its ownership check (`revoked`, `suspended`,
   * check `credential_status`). Without it such a credential is refused (`status_unavailable`).
   */
  statusLists?: StatusListResolver;
  /** Time the credential is checked at (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

/**
 * Who may sign cards for which hosts. Plain data (with optional function members); no
 * registry. Every rule is checked after the signatures have been verified.
 */
export interface TrustPolicy {
  /** Signers trusted by DID, pinned key or JWKS URL, each for a set of hosts. */
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
  /** DIDs that must each have signed (and be trusted); `required: true` on a signer says the same for any kind. */
  requiredSigners?: readonly string[];
  /**
   * Every signature on the card must verify (the pre-§8.4.3 rule). Default false: a
   * signature that fails, or whose signer no rule trusts, is listed in the verdict's
   * `otherSignatures` and the card stands on its trusted signatures (A2A section 8.4.3).
   */
  strictSignatures?: boolean;
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
    const kids = new Set<unknown>();
    p.signers.forEach((s: Partial<DidSigner & KeySigner & JwksSigner>, i) => {
      if (typeof s !== 'object' || s === null) fail(`signers[${i}] must be an object`);
      if ((s.did !== undefined ? 1 : 0) + (s.jwk !== undefined ? 1 : 0) + (s.jwks !== undefined ? 1 : 0) !== 1) fail(`signers[${i}] needs exactly one of did, jwk or jwks`);
      if (s.did !== undefined && (typeof s.did !== 'string' || !s.did.startsWith('did:') || s.did.includes('#'))) fail(`signers[${i}].did must be a DID without fragment`);
      if (s.jwk !== undefined) {
        if (!isRecord(s.jwk) || typeof s.jwk.kid !== 'string' || s.jwk.kid.length === 0) fail(`signers[${i}].jwk must be a public JWK with its "kid"`);
        // A signature finds its pinned key by kid: two keys under one kid would make it depend on their order.
        if (kids.has(s.jwk.kid)) fail(`signers[${i}].jwk repeats the kid of another pinned key`);
        kids.add(s.jwk.kid);
        try {
          pinnedKey(s.jwk);
        } catch (cause) {
          throw new MalformedInputError(`trust policy: signers[${i}].jwk: ${(cause as Error).message}`, { check: 'policy', cause });
        }
      }
      if (s.jwks !== undefined) {
        const urls: unknown[] = Array.isArray(s.jwks) ? s.jwks : [s.jwks];
        if (urls.length === 0) fail(`signers[${i}].jwks must name at least one URL`);
        for (const url of urls) {
          try {
            policyJwksHost(url);
          } catch (cause) {
            throw new MalformedInputError(`trust policy: signers[${i}].jwks: ${(cause as Error).message}`, { check: 'policy', cause });
          }
        }
      }
      if (s.hosts !== undefined && (!Array.isArray(s.hosts) || !(s.hosts as unknown[]).every((h) => typeof h === 'string' && HOST_PATTERN.test(h)))) fail(`hosts of signers[${i}] must be lower-case host patterns`);
      if (s.label !== undefined && typeof s.label !== 'string') fail('label must be a string');
      if (s.required !== undefined && typeof s.required !== 'boolean') fail('required must be a boolean');
    });
  }
  if (p.trustDidWebHost !== undefined && typeof p.trustDidWebHost !== 'boolean') fail('trustDidWebHost must be a boolean');
  if (p.trustSigner !== undefined && typeof p.trustSigner !== 'function') fail('trustSigner must be a function');
  if (p.minTrustedSigners !== undefined && (!Number.isSafeInteger(p.minTrustedSigners) || p.minTrustedSigners < 1)) fail('minTrustedSigners must be an integer >= 1');
  if (p.requiredSigners !== undefined && (!Array.isArray(p.requiredSigners) || !p.requiredSigners.every((d) => typeof d === 'string'))) fail('requiredSigners must be DIDs');
  if (p.requireSignature !== undefined && typeof p.requireSignature !== 'boolean') fail('requireSignature must be a boolean');
  if (p.strictSignatures !== undefined && typeof p.strictSignatures !== 'boolean') fail('strictSignatures must be a boolean');
  if (p.unsignedFields !== undefined && p.unsignedFields !== 'reject' && p.unsignedFields !== 'ignore') fail('unsignedFields must be "reject" or "ignore"');
  const o = p.ownership;
  if (o !== undefined) {
    if (typeof o !== 'object' || o === null) fail('ownership must be an object');
    if (o.trustedIssuers !== undefined && (!Array.isArray(o.trustedIssuers) || !o.trustedIssuers.every((d) => typeof d === 'string'))) fail('ownership.trustedIssuers must be DIDs');
    if (o.credential !== undefined && typeof o.credential !== 'string') fail('ownership.credential must be a string');
    if (o.isRevoked !== undefined && typeof o.isRevoked !== 'function') fail('ownership.isRevoked must be a function');
    if (o.statusLists !== undefined && typeof o.statusLists?.resolve !== 'function') fail('ownership.statusLists must be a StatusListResolver');
  }
  // Object.assign: as fast as a spread here, without its slow path for objects of many shapes.
  return Object.freeze(Object.assign({}, p));
}

const MAX_PINNED = 256;
const pinned = new BoundedMap<string, VerificationKey>(MAX_PINNED);

/** A JWK object's own members as last read (strings, numbers, booleans, lists of strings). */
interface PinnedRead {
  key: VerificationKey;
  names: string[];
  values: unknown[];
}
const pinnedReads = new WeakMap<object, PinnedRead>();

function sameMember(live: unknown, kept: unknown): boolean {
  if (!Array.isArray(kept)) return live === kept;
  if (!Array.isArray(live) || Object.getPrototypeOf(live) !== Array.prototype || live.length !== kept.length) return false;
  for (let i = 0; i < kept.length; i++) if (live[i] !== kept[i]) return false;
  return true;
}

function sameMembers(jwk: Readonly<Record<string, unknown>>, read: PinnedRead): boolean {
  const proto = Object.getPrototypeOf(jwk);
  if (proto !== Object.prototype && proto !== null) return false;
  const names = Object.keys(jwk);
  if (names.length !== read.names.length) return false;
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== read.names[i] || !sameMember(jwk[names[i]!], read.values[i])) return false;
  }
  return true;
}

/** A plain JWK object's own members, copied, when each is a data property holding a string, number, boolean or list of strings. */
function plainMembers(jwk: Readonly<Record<string, unknown>>): { names: string[]; values: unknown[] } | undefined {
  const proto = Object.getPrototypeOf(jwk);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const descriptors = Object.getOwnPropertyDescriptors(jwk);
  const names = Object.keys(descriptors);
  const values: unknown[] = [];
  for (const name of names) {
    const d = descriptors[name]!;
    if (!d.enumerable || !('value' in d)) return undefined;
    const v: unknown = d.value;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values.push(v);
    else if (Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype && v.length <= 64 && v.every((m) => typeof m === 'string')) values.push([...v]);
    else return undefined;
  }
  return { names, values };
}

/**
 * The key of a `{ jwk }` signer. A plain JWK object (own data members: strings, numbers,
 * booleans, lists of strings) is copied and its key read from the copy, cached by the
 * copy's JSON text (bounded); when the same object comes again with the same members in the
 * same order, its key is found without serializing it again (an RSA modulus makes that text
 * long). Any other JWK (getters, a prototype of its own, nested objects) is read anew on
 * every call.
 */
export function pinnedKey(jwk: Readonly<Record<string, unknown>>): VerificationKey {
  const read = pinnedReads.get(jwk);
  if (read !== undefined && sameMembers(jwk, read)) return read.key;
  const snapshot = plainMembers(jwk);
  if (snapshot === undefined) {
    pinnedReads.delete(jwk);
    return VerificationKey.fromJwk(jwk);
  }
  const copy = Object.fromEntries(snapshot.names.map((name, i) => [name, snapshot.values[i]]));
  const text = JSON.stringify(copy);
  let key = pinned.get(text);
  if (!key) {
    key = VerificationKey.fromJwk(copy);
    pinned.set(text, key);
  }
  pinnedReads.set(jwk, { key, ...snapshot });
  return key;
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
