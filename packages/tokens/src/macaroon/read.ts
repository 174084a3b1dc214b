import { InvalidSignatureError, MalformedInputError, base64urlDecode, base64urlEncode, canonicalizeToBytes } from '@agent-id/core';
import { bytesToUtf8, equalBytes } from '@agent-id/core/internal';
import { publicKeyFromDidKey } from '@agent-id/did';
import type { TokenLimits } from '../limits.js';
import type { MacaroonView } from './codec.js';
import { type ChainRecord, validateAgentDid } from '../model.js';
import { type DelegationCaveat, type ThirdPartyCaveatId, type TokenIdentifier, parseCaveat, parseIdentifier, parseThirdPartyId, scopeOf } from './caveats.js';
import { firstPartyStep, initialSignature, thirdPartyStep } from './keys.js';
import type { FirstPartyCheck } from '../first-party.js';
import { timeBefore, timeCheck } from './plain-caveats.js';
import { verifyCached } from '../signature-cache.js';

/** A macaroon read into the capability model (signatures not yet checked). */
export interface ReadMacaroon<M extends MacaroonView = MacaroonView> {
  macaroon: M;
  identifier: TokenIdentifier;
  chain: ChainRecord;
  hops: DelegationCaveat[];
  /** Caveat index of each hop (1-based hops). */
  hopCaveatIndex: number[];
  thirdParty: Array<ThirdPartyCaveatId & { caveatId: Uint8Array }>;
  /** First-party caveats a holder appended (`time < …`, `expires_at = N`), decided by `authorize`. */
  checks: FirstPartyCheck[];
}

export function readMacaroon<M extends MacaroonView>(m: M, limits: TokenLimits): ReadMacaroon<M> {
  if (m.location) throw new MalformedInputError('macaroon must not carry a location', { check: 'parse' });
  const identifier = parseIdentifier(m.identifier);
  const caveats = m.caveats;
  if (caveats.length > limits.maxCaveats) throw new MalformedInputError(`macaroon has ${caveats.length} caveats, above ${limits.maxCaveats}`, { check: 'max_caveats' });
  const hops: DelegationCaveat[] = [];
  const hopCaveatIndex: number[] = [];
  const thirdParty: ReadMacaroon['thirdParty'] = [];
  const checks: FirstPartyCheck[] = [];
  let chain: ChainRecord | undefined;
  caveats.forEach((c, i) => {
    if (c.vid) {
      const id = parseThirdPartyId(c.identifier);
      // The caveat location is outside the signature: it must repeat the signed one.
      if (c.location !== id.location) throw new MalformedInputError('third-party caveat location does not match its id', { check: 'caveat' });
      thirdParty.push({ ...id, caveatId: c.identifier });
      return;
    }
    if (c.location) throw new MalformedInputError('first-party caveat carries a location', { check: 'caveat' });
    const text = bytesToUtf8(c.identifier, 'caveat');
    const before = timeBefore(text);
    if (before !== undefined) {
      // A holder's `time < …` caveat: a restriction after the capability, never a hop.
      if (!chain) throw new MalformedInputError('caveat time is out of place', { check: 'caveat' });
      checks.push(timeCheck(before, `caveat ${i}`, text));
      return;
    }
    const caveat = parseCaveat(c.identifier);
    if (caveat.name === 'expires_at' && chain) {
      // The language's own expiry form, appended by a holder: the same restriction.
      checks.push(timeCheck(caveat.value, `caveat ${i}`, text));
      return;
    }
    if (caveat.name === 'capability') {
      if (i !== 0) throw new MalformedInputError('capability caveat must come first', { check: 'caveat' });
      const v = caveat.value;
      validateAgentDid(v.issuer, 'capability issuer');
      validateAgentDid(v.holder, 'capability holder');
      chain = { issuer: v.issuer, onBehalfOf: v.on_behalf_of, task: v.task, hops: [{ from: v.issuer, to: v.holder, granted: scopeOf(v), revocationId: identifier.tid, issuedAt: v.issued_at }] };
      return;
    }
    if (caveat.name !== 'delegation' || !chain) throw new MalformedInputError(`caveat ${caveat.name} is out of place`, { check: 'caveat' });
    const hop = caveat.value;
    validateAgentDid(hop.from, `hop ${hop.index} delegator`);
    validateAgentDid(hop.to, `hop ${hop.index} delegate`);
    if (hop.index !== chain.hops.length) throw new MalformedInputError(`delegation ${hop.index} found where hop ${chain.hops.length} belongs`, { check: 'chain' });
    if (chain.hops.length >= limits.maxBlocks) throw new MalformedInputError(`more than ${limits.maxBlocks - 1} hops`, { check: 'max_blocks' });
    chain.hops.push({ from: hop.from, to: hop.to, granted: scopeOf(hop), revocationId: hop.id, issuedAt: hop.issued_at });
    hops.push(hop);
    hopCaveatIndex.push(i);
  });
  if (!chain) throw new MalformedInputError('macaroon carries no capability caveat', { check: 'authority' });
  return { macaroon: m, identifier, chain, hops, hopCaveatIndex, thirdParty, checks };
}

/** What a hop's delegator signs: the hop without `sig`, bound to the macaroon so far. */
export function hopSigningInput(hop: Omit<DelegationCaveat, 'sig'>, parentSignature: Uint8Array): Uint8Array {
  const { sig: _sig, ...rest } = hop as DelegationCaveat;
  return canonicalizeToBytes({ hop: rest, parent: base64urlEncode(parentSignature) });
}

/** @internal Counts {@link verifyMacaroonChain} calls, so tests can tell a refusal verified a token once. */
export const signatureRuns = { count: 0 };

/**
 * Recomputes the signature chain natively and checks it against the macaroon's
 * signature, then checks every hop's delegator signature over the chain state it was
 * added to. Returns nothing; throws `invalid_signature`.
 */
export function verifyMacaroonChain(read: ReadMacaroon, rootKey: Uint8Array): void {
  signatureRuns.count++;
  const m = read.macaroon;
  const caveats = m.caveats;
  let signature = initialSignature(rootKey, m.identifier);
  const before: Uint8Array[] = [];
  for (const c of caveats) {
    before.push(signature);
    signature = c.vid ? thirdPartyStep(signature, c.vid, c.identifier) : firstPartyStep(signature, c.identifier);
  }
  if (!equalBytes(signature, m.signature)) throw new InvalidSignatureError('macaroon signature does not verify', { check: 'signature' });
  read.hops.forEach((hop, i) => {
    const parent = before[read.hopCaveatIndex[i]!]!;
    let ok = false;
    try {
      const signature = base64urlDecode(hop.sig, 'hop signature');
      const input = hopSigningInput(hop, parent);
      ok = verifyCached(`macaroon:${hop.from}`, signature, input, () => publicKeyFromDidKey(hop.from).verify(signature, input));
    } catch {
      ok = false;
    }
    if (!ok) throw new InvalidSignatureError(`hop ${hop.index} is not signed by its delegator ${hop.from.slice(0, 120)}`, { check: 'hop_signature' });
  });
}
