import {
  AgentIdError,
  HostMismatchError,
  InputTooLargeError,
  InternalError,
  type JwsAlgorithm,
  MalformedInputError,
  type ParsedJws,
  SignatureRequiredError,
  UnknownKeyError,
  UntrustedSignerError,
  parseDetachedJws,
  verifyJwsSignature,
} from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { type DidResolver, type VerifiedOwnershipCredential, verifyOwnershipCredential } from '@agent-id/did';
import { ownershipCredentialIn } from './ownership-extension.js';
import { optionsObject, prepareCard } from './prepare.js';
import { type TrustPolicy, defineTrustPolicy, didWebHost, hostsAllowed } from './trust-policy.js';
import type { AgentCard } from './types.js';

/** Limits for {@link verifyAgentCard}. */
export interface VerifyAgentCardOptions {
  /** Largest accepted card, bytes. Default 131,072. */
  maxCardBytes?: number;
  /** Most signatures accepted on one card. Default 8. */
  maxSignatures?: number;
}

/** A signature that verified and that a policy rule trusts. */
export interface TrustedCardSigner {
  /** The signer's DID. */
  did: string;
  /** DID URL of the key that signed (the protected `kid`). */
  keyId: string;
  alg: JwsAlgorithm;
  /** The policy rule that trusted it: a signer's label, `signers[i]`, `trustDidWebHost`, or a `trustSigner` answer. */
  rule: string;
}

/** Verified facts of the ownership credential, and where it came from. */
export interface CardOwnership extends VerifiedOwnershipCredential {
  /** `card`: the signed ownership extension; `caller`: `policy.ownership.credential`. */
  source: 'card' | 'caller';
  /** DID URL of the agent's key that signed the card. */
  agentKeyId: string;
}

/** What a successful verification established. Holds only verified data. */
export interface AgentCardVerdict {
  /**
   * The card as signed: its canonical form parsed back (no `signatures`, no content outside
   * the signatures, empty values omitted).
   */
  card: AgentCard;
  /** Host (`host[:port]`) of the preferred (first) interface, the host the card is bound to. */
  host: string | undefined;
  /** Every distinct interface host. */
  hosts: string[];
  /** Signatures that verified and are trusted by the policy, one per DID. */
  signers: TrustedCardSigner[];
  /** Present when the policy required an ownership credential. */
  ownership?: CardOwnership;
  /** Paths of card content no signature covers (only with `unsignedFields: 'ignore'`). */
  unsignedFields: string[];
}

interface CardSignature {
  /** Position on the card, counted from 1 as people count. */
  number: number;
  jws: ParsedJws;
  kid: string;
  did: string;
}

const DID_URL = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]+#[^\s#]+$/;
const short = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s);

function parseSignatures(list: unknown, payload: Uint8Array, max: number): CardSignature[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new MalformedInputError('agent card signatures is not an array', { check: 'card_schema' });
  if (list.length > max) throw new InputTooLargeError(`agent card carries ${list.length} signatures, above the limit of ${max}`, { check: 'signatures' });
  return list.map((entry, index) => {
    const what = `card signature ${index + 1}`;
    if (!isRecord(entry)) throw new MalformedInputError(`${what} is not an object`);
    const jws = parseDetachedJws(entry.protected, entry.signature, payload, what);
    const { kid, typ } = jws.header;
    if (typeof typ !== 'string') throw new MalformedInputError(`${what} protected header has no "typ"`, { check: 'header' });
    if (typeof kid !== 'string' || kid.length > 2048 || !DID_URL.test(kid)) {
      throw new MalformedInputError(`${what} "kid" is not a DID URL with a fragment`, { check: 'kid' });
    }
    const unprotected = entry.header;
    if (unprotected !== undefined && unprotected !== null) {
      if (!isRecord(unprotected)) throw new MalformedInputError(`${what} unprotected header is not an object`, { check: 'header' });
      if (Object.keys(unprotected).some((k) => Object.hasOwn(jws.header, k))) {
        throw new MalformedInputError(`${what} repeats a protected header member in its unprotected header`, { check: 'header' });
      }
    }
    return { number: index + 1, jws, kid, did: kid.slice(0, kid.indexOf('#')) };
  });
}

function interfaceHosts(signed: Record<string, unknown>): string[] {
  const hosts: string[] = [];
  const list = Array.isArray(signed.supportedInterfaces) ? signed.supportedInterfaces : [];
  list.forEach((iface, i) => {
    const url = isRecord(iface) ? iface.url : undefined;
    if (typeof url !== 'string') return;
    let host = '';
    try {
      host = new URL(url).host.toLowerCase();
    } catch {
      // reported below
    }
    if (!host) throw new MalformedInputError(`supportedInterfaces[${i}].url is not an absolute URL with a host`, { check: 'interface_url' });
    if (!hosts.includes(host)) hosts.push(host);
  });
  return hosts;
}

async function verifySignature(sig: CardSignature, resolver: DidResolver): Promise<void> {
  let key: Awaited<ReturnType<DidResolver['resolveKey']>>;
  try {
    key = await resolver.resolveKey(sig.kid, 'assertionMethod');
  } catch (cause) {
    if (cause instanceof AgentIdError) throw cause;
    throw new InternalError(`resolving ${short(sig.kid)} failed`, { cause });
  }
  if (key.did !== sig.did) throw new UnknownKeyError(`${short(sig.kid)} resolved to a key of another DID`);
  verifyJwsSignature(sig.jws, key.publicKey, `card signature ${sig.number} (${short(sig.kid)})`);
}

/**
 * Verifies a card fetched from another organisation, in a fixed order: type → size limit →
 * parse (schema; content no signature covers) → for every signature: header, algorithm
 * allow-list (EdDSA, ES256, ES256K), `kid` a DID URL → for the signers the policy could
 * trust: key resolved as an `assertionMethod` of the `kid`'s DID, key/algorithm match,
 * signature → trust policy (hosts, number and names of signers) → ownership credential.
 * `jku` and the unprotected header are never used to find keys. Signatures by DIDs no rule
 * could trust are not resolved (no request to hosts a card names). Throws a coded
 * `AgentIdError` for the first failed check.
 *
 * @example
 * ```ts
 * import { createDidResolver } from '@agent-id/did';
 * import { verifyAgentCard } from '@agent-id/a2a-cards';
 * const resolver = createDidResolver();
 * const verdict = await verifyAgentCard(cardJson, resolver, { signers: [{ did: 'did:web:globex.example' }] });
 * verdict.signers[0]; // { did: 'did:web:globex.example', keyId: 'did:web:globex.example#key-1', alg: 'EdDSA', rule: 'signers[0]' }
 * ```
 */
export async function verifyAgentCard(
  card: AgentCard | string | Uint8Array | unknown,
  resolver: DidResolver,
  policy: TrustPolicy,
  verifyOptions?: VerifyAgentCardOptions,
): Promise<AgentCardVerdict> {
  const options = optionsObject(verifyOptions);
  if (typeof resolver !== 'object' || resolver === null || typeof resolver.resolveKey !== 'function') {
    throw new MalformedInputError('resolver must be a DID resolver from @agent-id/did', { check: 'options' });
  }
  const p = defineTrustPolicy(policy);
  const maxSignatures = options.maxSignatures ?? 8;
  if (!Number.isSafeInteger(maxSignatures) || maxSignatures < 1) throw new MalformedInputError('maxSignatures must be a positive integer', { check: 'options' });

  const prepared = prepareCard(card, options.maxCardBytes);
  const signatures = parseSignatures(prepared.raw.signatures, prepared.payload, maxSignatures);
  const hosts = interfaceHosts(prepared.signed);
  if (prepared.unsigned.length > 0 && p.unsignedFields !== 'ignore') {
    throw new MalformedInputError(`agent card has content no signature covers: ${prepared.unsigned.slice(0, 8).join(', ')}`, { check: 'unsigned_fields' });
  }
  const requireSignature = p.requireSignature !== false;
  if (signatures.length === 0 && (requireSignature || p.ownership || p.requiredSigners?.length)) {
    throw new SignatureRequiredError('agent card carries no signature');
  }

  const listed = new Map<string, { hosts: readonly string[]; rule: string }>();
  p.signers?.forEach((s, i) => {
    if (listed.has(s.did)) return;
    const own = didWebHost(s.did);
    listed.set(s.did, { hosts: s.hosts ?? (own ? [own] : []), rule: s.label ?? `signers[${i}]` });
  });

  const verified = new Map<string, CardSignature>();
  const trusted = new Map<string, TrustedCardSigner>();
  const hostRefused: string[] = [];
  for (const sig of signatures) {
    const entry = listed.get(sig.did);
    let rule: string | undefined;
    let hostOk = true;
    if (entry) {
      rule = entry.rule;
      hostOk = hostsAllowed(entry.hosts, hosts);
    } else {
      const own = p.trustDidWebHost ? didWebHost(sig.did) : undefined;
      if (own !== undefined) {
        if (!hostsAllowed([own], hosts)) {
          hostRefused.push(sig.did);
          continue;
        }
        rule = 'trustDidWebHost';
      } else if (p.trustSigner) {
        const answer = p.trustSigner({ did: sig.did, keyId: sig.kid, hosts });
        if (typeof answer === 'string' && answer.length > 0) rule = answer;
      }
    }
    if (rule === undefined) continue;
    await verifySignature(sig, resolver);
    if (!verified.has(sig.did)) verified.set(sig.did, sig);
    if (!hostOk) hostRefused.push(sig.did);
    else if (!trusted.has(sig.did)) trusted.set(sig.did, { did: sig.did, keyId: sig.kid, alg: sig.jws.header.alg, rule });
  }

  const hostText = hosts.length ? hosts.join(', ') : '(no interface URL)';
  for (const did of p.requiredSigners ?? []) {
    if (trusted.has(did)) continue;
    if (hostRefused.includes(did)) throw new HostMismatchError(`card hosts ${hostText} are not allowed for required signer ${short(did)}`);
    throw new UntrustedSignerError(`required signer ${short(did)} did not sign the card or is not trusted`);
  }
  const minimum = p.minTrustedSigners ?? (requireSignature ? 1 : 0);
  // Signers trusted only for their host are all the host's: one domain is one signer.
  const independent = new Set([...trusted.values()].map((s) => (s.rule === 'trustDidWebHost' ? `host ${didWebHost(s.did)}` : s.did))).size;
  if (independent < minimum) {
    if (hostRefused.length > 0) throw new HostMismatchError(`card hosts ${hostText} are not allowed for signer ${short(hostRefused[0]!)}`);
    throw new UntrustedSignerError(
      trusted.size === 0
        ? 'no signature on the card is by a trusted signer'
        : `card has ${independent} independent trusted signer(s) (${trusted.size} DIDs; those trusted for their host count once per host), the policy needs ${minimum}`,
    );
  }

  const verdict: AgentCardVerdict = {
    card: prepared.signed as unknown as AgentCard,
    host: hosts[0],
    hosts,
    signers: [...trusted.values()],
    unsignedFields: prepared.unsigned,
  };
  if (p.ownership) {
    const caller = p.ownership.credential;
    const jwt = caller ?? ownershipCredentialIn(prepared.signed);
    if (jwt === undefined) throw new SignatureRequiredError('card carries no ownership credential', { check: 'ownership_credential' });
    const vc = await verifyOwnershipCredential(jwt, resolver, {
      trustedIssuers: p.ownership.trustedIssuers ?? [...trusted.keys()],
      isRevoked: p.ownership.isRevoked,
      clock: p.ownership.clock,
    });
    let agentSig = verified.get(vc.agent);
    if (!agentSig) {
      agentSig = signatures.find((s) => s.did === vc.agent);
      if (!agentSig) {
        throw new SignatureRequiredError(`ownership credential names agent ${short(vc.agent)}, which did not sign the card`, { check: 'agent_signature' });
      }
      await verifySignature(agentSig, resolver);
    }
    verdict.ownership = { ...vc, source: caller === undefined ? 'card' : 'caller', agentKeyId: agentSig.kid };
  }
  return verdict;
}
