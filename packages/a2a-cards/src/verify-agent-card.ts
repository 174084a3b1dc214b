import {
  AgentIdError,
  type ErrorCode,
  HostMismatchError,
  InternalError,
  InvalidSignatureError,
  type JwsVerifyAlgorithm,
  KeyMismatchError,
  MalformedInputError,
  type PublicKey,
  SignatureRequiredError,
  UnknownKeyError,
  UntrustedSignerError,
  VerificationKey,
} from '@agent-id/core';
import { BoundedMap, PLATFORM, deepFreeze, isRecord } from '@agent-id/core/internal';
import { type DidResolver, type VerifiedOwnershipCredential, verifyOwnershipCredential } from '@agent-id/did';
import { type CardSignature, type SignatureSlot, readSignatures, short, signingInput } from './card-signatures.js';
import { ownershipCredentialIn } from './ownership-extension.js';
import { type JwksCache, cachedJwksKey, createJwksCache, policyJwksHost } from './jwks-cache.js';
import type { CanonicalReading } from './normalize.js';
import { type CanonicalForm, type PreparedCard, cardText, optionsObject, prepareCardText, ruleOneForm } from './prepare.js';
import { type TrustPolicy, defineTrustPolicy, didWebHost, hostsAllowed, pinnedKey } from './trust-policy.js';
import type { AgentCard } from './types.js';

/** Limits and sources for {@link verifyAgentCard}. */
export interface VerifyAgentCardOptions {
  /** Largest accepted card, bytes. Default 131,072. */
  maxCardBytes?: number;
  /** Most signatures accepted on one card. Default 8. */
  maxSignatures?: number;
  /**
   * Where `{ jwks }` signers' key sets are fetched and cached. Default: one cache shared by
   * the process ({@link createJwksCache} defaults: HTTPS only, 5 minutes).
   */
  jwksCache?: JwksCache;
}

/** A signature that verified and that a policy rule trusts. */
export interface TrustedCardSigner {
  /** Where its key came from: the `kid`'s DID document, a key the policy pins, or a JWKS the policy names. */
  source: 'did' | 'jwk' | 'jwks';
  /** The signer's DID (source `did`). */
  did?: string;
  /** RFC 7638 thumbprint of the pinned key (source `jwk`). */
  thumbprint?: string;
  /** URL of the JWKS the key was read from (source `jwks`). */
  jwks?: string;
  /** The protected `kid`: a DID URL (source `did`) or the key's `kid`. */
  keyId: string;
  alg: JwsVerifyAlgorithm;
  /** The policy rule that trusted it: a signer's label, `signers[i]`, `trustDidWebHost`, or a `trustSigner` answer. */
  rule: string;
  /** The canonical readings whose bytes this signature covers (both when they are the same bytes). */
  readings: CanonicalReading[];
  /** Present when the header carried a `jku`: `pinned` when it is a URL the policy pins for this signer (and was used), `ignored` otherwise (never fetched). */
  jku?: 'pinned' | 'ignored';
}

/** A signature on the card that the verdict does not rest on. */
export interface OtherCardSignature {
  /** Position on the card, counted from 1. */
  number: number;
  /** Its protected `kid` as written (not verified), when readable. */
  kid?: string;
  /** `untrusted`: no rule trusts its signer, so it was not checked; `failed`: checked and refused. */
  status: 'untrusted' | 'failed';
  /** The refusal's code and check (status `failed`). */
  code?: ErrorCode;
  check?: string;
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
   * the signatures). In the `rule-1-as-written` form when every trusted signature covers it
   * (empty REQUIRED fields kept), otherwise the `prune-empty` form (empty values omitted).
   * Read-only: deeply frozen once the same card text has verified before (it is then shared
   * by the verdicts of that text).
   */
  card: AgentCard;
  /** Host (`host[:port]`) of the preferred (first) interface, the host the card is bound to. */
  host: string | undefined;
  /** Every distinct interface host. */
  hosts: string[];
  /** Signatures that verified and are trusted by the policy, one per signer. */
  signers: TrustedCardSigner[];
  /** The canonical readings under which the trusted signatures verified (each signer's are in `signers[].readings`). */
  readings: CanonicalReading[];
  /** Signatures the verdict does not rest on: by signers no rule trusts, or refused (only without `strictSignatures`). */
  otherSignatures: OtherCardSignature[];
  /** Present when the policy required an ownership credential. */
  ownership?: CardOwnership;
  /** Paths of card content no signature covers (only with `unsignedFields: 'ignore'`). */
  unsignedFields: string[];
}

// Hosts of interface URLs read before, by exact URL text (only URLs that have one): a new
// version of a card keeps its URLs, and parsing two URLs costs about a tenth of an RSA verify.
const MAX_URL_HOSTS = 1024;
const urlHosts = new BoundedMap<string, string>(MAX_URL_HOSTS);

function urlHost(url: string): string {
  const known = urlHosts.get(url);
  if (known !== undefined) return known;
  let host = '';
  try {
    host = new URL(url).host.toLowerCase();
  } catch {
    return '';
  }
  if (host && url.length <= 2048) urlHosts.set(url, host);
  return host;
}

/** @internal How many interface URL hosts are kept. */
export function urlHostsHeld(): number {
  return urlHosts.size;
}

function interfaceHosts(signed: Record<string, unknown>): string[] {
  const hosts: string[] = [];
  const list = Array.isArray(signed.supportedInterfaces) ? signed.supportedInterfaces : [];
  list.forEach((iface, i) => {
    const url = isRecord(iface) ? iface.url : undefined;
    if (typeof url !== 'string') return;
    const host = urlHost(url);
    if (!host) throw new MalformedInputError(`supportedInterfaces[${i}].url is not an absolute URL with a host`, { check: 'interface_url' });
    if (!hosts.includes(host)) hosts.push(host);
  });
  return hosts;
}

/** A key as the card checks use it: `verifyAsync` throws `key_mismatch` for an algorithm it does not fit. */
interface CardKey {
  verifyAsync(alg: JwsVerifyAlgorithm, signature: Uint8Array, message: Uint8Array): Promise<boolean>;
}

function didKey(publicKey: PublicKey): CardKey {
  return {
    async verifyAsync(alg, signature, message) {
      if (alg !== publicKey.algorithm) throw new KeyMismatchError(`algorithm ${alg} does not fit the ${publicKey.type} key of the DID document`);
      // Native on Node, WebCrypto elsewhere.
      return publicKey.verifyAsync(signature, message);
    },
  };
}

// Signing inputs of the forms of cards kept by text (see readCards), by protected header: the
// bytes are a function of the two texts; a form is dropped with its card.
const MAX_INPUTS_PER_FORM = 8;
const formInputs = new WeakMap<CanonicalForm, Map<string, Uint8Array>>();

function formInput(form: CanonicalForm, sig: CardSignature): Uint8Array {
  let inputs = formInputs.get(form);
  const known = inputs?.get(sig.protected);
  if (known !== undefined) return known;
  const input = signingInput(sig, form.payloadB64);
  if (inputs === undefined) {
    inputs = new Map();
    formInputs.set(form, inputs);
  }
  if (inputs.size < MAX_INPUTS_PER_FORM && sig.protected.length <= 1024) inputs.set(sig.protected, input);
  return input;
}

// The `rule-1-as-written` form of a card whose readings differ, read the first time a
// signature does not cover the `prune-empty` one (most cards are signed in that reading).
// Deeply frozen with its card once the card is kept (rememberCard).
const ruleOneForms = new WeakMap<PreparedCard, CanonicalForm>();

/** The form a signature is tried on after the `prune-empty` one, or undefined when both readings are the same bytes. */
function otherForm(prepared: PreparedCard): CanonicalForm | undefined {
  if (prepared.forms[0]!.readings.includes('rule-1-as-written')) return undefined;
  let form = ruleOneForms.get(prepared);
  if (form === undefined) {
    form = ruleOneForm(prepared.raw);
    if (Object.isFrozen(prepared)) deepFreeze(form);
    ruleOneForms.set(prepared, form);
  }
  return form;
}

/** The form in the `rule-1-as-written` reading. */
function keptReadingForm(prepared: PreparedCard): CanonicalForm {
  return otherForm(prepared) ?? prepared.forms[0]!;
}

function notCovered(sig: CardSignature, prepared: PreparedCard): InvalidSignatureError {
  const two = !prepared.forms[0]!.readings.includes('rule-1-as-written');
  return new InvalidSignatureError(`card signature ${sig.number} (${short(sig.kid)}) does not verify${two ? ' under either canonical reading' : ''}`);
}

/**
 * The readings whose bytes `sig` covers; `invalid_signature` when it covers neither. A key
 * the verifier holds (pinned, or from a JWKS) verifies synchronously on Node, where
 * `verify` and `verifyAsync` are the same native check: no turn of the microtask queue.
 */
function checkSignature(sig: CardSignature, key: CardKey | VerificationKey, prepared: PreparedCard): CanonicalReading[] | Promise<CanonicalReading[]> {
  if (PLATFORM !== 'node' || !(key instanceof VerificationKey)) return checkSignatureAsync(sig, key, prepared);
  const first = prepared.forms[0]!;
  if (key.verify(sig.alg, sig.signature, formInput(first, sig))) return first.readings;
  const other = otherForm(prepared);
  if (other !== undefined && key.verify(sig.alg, sig.signature, formInput(other, sig))) return other.readings;
  throw notCovered(sig, prepared);
}

async function checkSignatureAsync(sig: CardSignature, key: CardKey | VerificationKey, prepared: PreparedCard): Promise<CanonicalReading[]> {
  const first = prepared.forms[0]!;
  if (await key.verifyAsync(sig.alg, sig.signature, formInput(first, sig))) return first.readings;
  const other = otherForm(prepared);
  if (other !== undefined && (await key.verifyAsync(sig.alg, sig.signature, formInput(other, sig)))) return other.readings;
  throw notCovered(sig, prepared);
}

async function resolveDidKey(sig: CardSignature, resolver: DidResolver): Promise<CardKey> {
  let key: Awaited<ReturnType<DidResolver['resolveKey']>>;
  try {
    key = await resolver.resolveKey(sig.kid, 'assertionMethod');
  } catch (cause) {
    if (cause instanceof AgentIdError) throw cause;
    throw new InternalError(`resolving ${short(sig.kid)} failed`, { cause });
  }
  if (key.did !== sig.did) throw new UnknownKeyError(`${short(sig.kid)} resolved to a key of another DID`);
  return didKey(key.publicKey);
}

/** How one signature is matched to a policy rule before any key is fetched. */
interface Match {
  rule: string;
  /** Counting identity: one per independent signer. */
  id: string;
  /** Index in `policy.signers`, when a listed signer matched. */
  index?: number;
  hosts: readonly string[];
  signer: Omit<TrustedCardSigner, 'keyId' | 'alg' | 'rule' | 'readings'>;
  /** The key, when known without waiting (pinned, or from a cached JWKS). */
  key?: VerificationKey;
  /** Where the key comes from otherwise (the DID document). */
  resolveKey?: () => Promise<CardKey>;
}

let sharedJwksCache: JwksCache | undefined;

/** The verdict's entry for a trusted signature (members set one by one: object spreads of varying shapes are slow). */
function trustedSigner(m: Match, sig: CardSignature, readings: CanonicalReading[]): TrustedCardSigner {
  const out = { source: m.signer.source } as TrustedCardSigner;
  if (m.signer.did !== undefined) out.did = m.signer.did;
  if (m.signer.thumbprint !== undefined) out.thumbprint = m.signer.thumbprint;
  if (m.signer.jwks !== undefined) out.jwks = m.signer.jwks;
  if (m.signer.jku !== undefined) out.jku = m.signer.jku;
  else if (sig.jku !== undefined) out.jku = 'ignored';
  out.keyId = sig.kid;
  out.alg = sig.alg;
  out.rule = m.rule;
  out.readings = [...readings];
  return out;
}

/** A card read before: its canonical forms and interface hosts, functions of its text alone. */
interface ReadCard {
  prepared: PreparedCard;
  hosts: string[];
}

// Cards verified before, by their exact JSON text: a client checks the same card on every
// connection, and its canonical forms (parse, schema walk, both readings) cost about half a
// signature check. Only what the text alone decides is kept (deeply frozen); every
// signature, key, policy rule and host is checked on every call. A card is kept once it
// verified twice (a card seen once costs no freezing), so nobody fills this without a
// trusted signer; texts above 16,000 characters are not kept (V8 hashes longer strings by
// their length only).
// Both maps are bounded by count and by the characters of the texts they hold: what a kept
// card retains (its parse, both forms, their signing inputs) is about ten times its text.
const MAX_READ_CARDS = 256;
const MAX_READ_CARD_CHARS = 16_000;
const MAX_READ_CARDS_TOTAL_CHARS = 512_000;
const readCards = new Map<string, ReadCard>();
const verifiedOnce = new Set<string>();
let readCardChars = 0;
let verifiedOnceChars = 0;

// The signature entries of a kept card, read (headers parsed and checked, signatures
// decoded): a function of its frozen text alone. Kept only when every entry could be read.
const readSlots = new WeakMap<ReadCard, { max: number; slots: SignatureSlot[] }>();

function keptSlots(card: ReadCard, max: number): SignatureSlot[] {
  const known = readSlots.get(card);
  if (known !== undefined && known.max === max) return known.slots;
  const slots = readSignatures(card.prepared.raw.signatures, max);
  if (slots.every((slot) => slot.ok)) {
    for (const slot of slots) if (slot.ok) Object.freeze(slot.sig);
    readSlots.set(card, { max, slots: Object.freeze(slots) as SignatureSlot[] });
  }
  return slots;
}

// Card objects (not texts) verified before: the caller keeps its card object and verifies it
// again. The object maps to the text it serialized to, and that text's kept parse is the
// reference: when the object still holds exactly the parse's members (same keys in the same
// order, the same strings, numbers, booleans and nulls, plain objects and arrays, no toJSON),
// JSON.stringify would give that text again, so it is not serialized again (the
// serialization and the lookup by a new string cost about a third of an RSA verify). Any
// difference falls back to serializing it.
const objectTexts = new WeakMap<object, string>();

// A kept parse flattened once, depth first: an object is OBJECT, its member count, then each
// name and value; an array is ARRAY, its length, then each item; anything else itself. The
// markers are symbols, which no parse holds.
const OBJECT = Symbol('object');
const ARRAY = Symbol('array');
const flatParses = new WeakMap<object, unknown[]>();

function flatten(value: unknown, out: unknown[]): unknown[] {
  if (Array.isArray(value)) {
    out.push(ARRAY, value.length);
    for (const item of value) flatten(item, out);
  } else if (typeof value === 'object' && value !== null) {
    const names = Object.keys(value);
    out.push(OBJECT, names.length);
    for (const name of names) {
      out.push(name);
      flatten((value as Record<string, unknown>)[name], out);
    }
  } else out.push(value);
  return out;
}

/** The index after `live` in `flat` when it matches from `at` (see sameJson), or -1. */
function matchFrom(live: unknown, flat: unknown[], at: number): number {
  const kind = flat[at];
  if (kind !== OBJECT && kind !== ARRAY) return live === kind ? at + 1 : -1;
  if (typeof live !== 'object' || live === null || (live as { toJSON?: unknown }).toJSON !== undefined) return -1;
  const count = flat[at + 1] as number;
  let next = at + 2;
  if (kind === ARRAY) {
    if (!Array.isArray(live) || Object.getPrototypeOf(live) !== Array.prototype || live.length !== count) return -1;
    for (let i = 0; i < count && next >= 0; i++) next = matchFrom(live[i], flat, next);
    return next;
  }
  if (Array.isArray(live) || Object.getPrototypeOf(live) !== Object.prototype) return -1;
  // for-in lists the own enumerable names in Object.keys order, then inherited ones, which
  // sameJson has made sure there are none of; it reads members without a list of names.
  let seen = 0;
  for (const name in live) {
    if (seen === count || name !== flat[next]) return -1;
    next = matchFrom((live as Record<string, unknown>)[name], flat, next + 1);
    if (next < 0) return -1;
    seen++;
  }
  return seen === count ? next : -1;
}

/**
 * Whether JSON.stringify(live) equals JSON.stringify(parsed), where `parsed` is a frozen
 * JSON.parse result: the same member names in the same order, the same strings, numbers,
 * booleans and nulls (===), and only plain objects and arrays without toJSON, the only
 * things JSON.stringify writes exactly as the parse does.
 */
function sameJson(live: unknown, parsed: object): boolean {
  // An enumerable member added to Object.prototype would be listed by for-in, not written by JSON.stringify.
  if (Object.keys(Object.prototype).length > 0) return false;
  let flat = flatParses.get(parsed);
  if (flat === undefined) {
    flat = flatten(parsed, []);
    flatParses.set(parsed, flat);
  }
  return matchFrom(live, flat, 0) === flat.length;
}

/** The text of a card object verified before, when it still serializes to it (see objectTexts). */
function keptObjectText(card: unknown): string | undefined {
  if (typeof card !== 'object' || card === null) return undefined;
  const text = objectTexts.get(card);
  if (text === undefined) return undefined;
  const kept = readCards.get(text);
  try {
    if (kept !== undefined && sameJson(card, kept.prepared.raw)) return text;
  } catch {
    // A getter or proxy trap that throws: serializing the card reports it with a code.
  }
  objectTexts.delete(card);
  return undefined;
}

/** @internal What the cache of cards verified before holds: cards and characters, kept and seen once. */
export function readCardsHeld(): { cards: number; chars: number; seenOnce: number; seenOnceChars: number } {
  return { cards: readCards.size, chars: readCardChars, seenOnce: verifiedOnce.size, seenOnceChars: verifiedOnceChars };
}

function rememberCard(text: string, read: ReadCard): void {
  if (text.length > MAX_READ_CARD_CHARS || readCards.has(text)) return;
  if (!verifiedOnce.delete(text)) {
    while (verifiedOnce.size > 0 && (verifiedOnce.size >= MAX_READ_CARDS || verifiedOnceChars + text.length > MAX_READ_CARDS_TOTAL_CHARS)) {
      const oldest = verifiedOnce.keys().next().value as string;
      verifiedOnce.delete(oldest);
      verifiedOnceChars -= oldest.length;
    }
    verifiedOnce.add(text);
    verifiedOnceChars += text.length;
    return;
  }
  verifiedOnceChars -= text.length;
  while (readCards.size > 0 && (readCards.size >= MAX_READ_CARDS || readCardChars + text.length > MAX_READ_CARDS_TOTAL_CHARS)) {
    const oldest = readCards.keys().next().value as string;
    readCards.delete(oldest);
    readCardChars -= oldest.length;
  }
  readCards.set(text, deepFreeze(read));
  const other = ruleOneForms.get(read.prepared);
  if (other !== undefined) deepFreeze(other);
  readCardChars += text.length;
}

/**
 * Verifies a card fetched from another organisation, in a fixed order: type → size limit →
 * parse (schema; content no signature covers) → per signature: header (algorithm allow-list
 * EdDSA, ES256, ES256K, RS256, PS256, ES384, ES512; `typ` `JOSE` or `JWT` when present; no
 * `crit`; a `kid`) → policy match: a pinned key with that `kid`, the `kid`'s DID when it
 * is a DID URL (resolved as an `assertionMethod`), or a JWKS the policy names → key/algorithm
 * match → signature over either canonical reading → trust policy (hosts, number and names of
 * signers) → ownership credential. A `jku` is used only when it is exactly a JWKS URL the
 * policy pins for that signer; the unprotected header is never used. Signatures no rule
 * could trust are not resolved (no request to hosts a card names).
 *
 * A2A section 8.4.3: the card stands on its trusted signatures; another signature that
 * fails is listed in `otherSignatures` (or refuses the card with `strictSignatures`). When
 * the trusted signatures do not satisfy the policy, the first refused signature's coded
 * error is thrown, otherwise `untrusted_signer` or `host_mismatch`.
 *
 * @example
 * ```ts
 * import { createDidResolver } from '@agent-id/did';
 * import { verifyAgentCard } from '@agent-id/a2a-cards';
 * const resolver = createDidResolver();
 * const verdict = await verifyAgentCard(cardJson, resolver, { signers: [{ did: 'did:web:globex.example' }] });
 * verdict.signers[0]; // { source: 'did', did: 'did:web:globex.example', keyId: 'did:web:globex.example#key-1', alg: 'EdDSA', rule: 'signers[0]', readings: [...] }
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
  const cacheOption = options.jwksCache;
  if (cacheOption !== undefined && (typeof cacheOption !== 'object' || cacheOption === null || typeof cacheOption.getKey !== 'function')) {
    throw new MalformedInputError('jwksCache must come from createJwksCache', { check: 'options' });
  }
  const jwksCache = (): JwksCache => {
    if (cacheOption) return cacheOption;
    sharedJwksCache ??= createJwksCache();
    return sharedJwksCache;
  };

  const known = keptObjectText(card);
  const text = cardText(known ?? card, options.maxCardBytes);
  const seen = text.length <= MAX_READ_CARD_CHARS ? readCards.get(text) : undefined;
  const prepared = seen?.prepared ?? prepareCardText(text, 'on-demand');
  const slots = seen ? keptSlots(seen, maxSignatures) : readSignatures(prepared.raw.signatures, maxSignatures);
  const hosts = seen ? [...seen.hosts] : interfaceHosts(prepared.signed);
  const read: ReadCard = seen ?? { prepared, hosts: [...hosts] };
  if (prepared.unsigned.length > 0 && p.unsignedFields !== 'ignore') {
    throw new MalformedInputError(`agent card has content no signature covers: ${prepared.unsigned.slice(0, 8).join(', ')}`, { check: 'unsigned_fields' });
  }
  const requireSignature = p.requireSignature !== false;
  const requiredEntries = (p.signers ?? []).flatMap((s, i) => (s.required ? [i] : []));
  if (slots.length === 0 && (requireSignature || p.ownership || p.requiredSigners?.length || requiredEntries.length)) {
    throw new SignatureRequiredError('agent card carries no signature');
  }

  const strict = p.strictSignatures === true;
  const others: OtherCardSignature[] = [];
  let firstFailure: AgentIdError | undefined;
  const refuse = (number: number, kid: string | undefined, error: AgentIdError) => {
    if (strict) throw error;
    firstFailure ??= error;
    others.push({ number, ...(kid !== undefined ? { kid: short(kid) } : {}), status: 'failed', code: error.code, check: error.check });
  };

  const signers = p.signers ?? [];
  const jwksEntries = signers.flatMap((s, index) => ('jwks' in s && s.jwks !== undefined ? [{ s, index, urls: typeof s.jwks === 'string' ? [s.jwks] : [...s.jwks] }] : []));
  const ruleOf = (index: number) => signers[index]!.label ?? `signers[${index}]`;

  // Synchronous unless a JWKS must be looked up: each await is a turn of the microtask queue.
  const match = (sig: CardSignature): Match | undefined | Promise<Match | undefined> => {
    for (let index = 0; index < signers.length; index++) {
      const s = signers[index]!;
      if ('jwk' in s && s.jwk !== undefined && s.jwk.kid === sig.kid) {
        const key = pinnedKey(s.jwk);
        const thumbprint = key.thumbprint();
        return { rule: ruleOf(index), id: `jwk ${thumbprint}`, index, hosts: s.hosts ?? [], signer: { source: 'jwk', thumbprint }, key };
      }
    }
    if (sig.did !== undefined) {
      const did = sig.did;
      const index = signers.findIndex((s) => 'did' in s && s.did === did);
      const resolveKey = () => resolveDidKey(sig, resolver);
      if (index >= 0) {
        const own = didWebHost(did);
        return { rule: ruleOf(index), id: did, index, hosts: signers[index]!.hosts ?? (own ? [own] : []), signer: { source: 'did', did }, resolveKey };
      }
      const own = p.trustDidWebHost ? didWebHost(did) : undefined;
      if (own !== undefined) return { rule: 'trustDidWebHost', id: `host ${own}`, hosts: [own], signer: { source: 'did', did }, resolveKey };
      if (p.trustSigner) {
        const answer = p.trustSigner({ did, keyId: sig.kid, hosts });
        if (typeof answer === 'string' && answer.length > 0) return { rule: answer, id: did, hosts: ['*'], signer: { source: 'did', did }, resolveKey };
      }
    }
    return jwksEntries.length > 0 ? matchJwks(sig) : undefined;
  };

  const jwksMatch = (sig: CardSignature, entry: (typeof jwksEntries)[number], url: string, pinnedJku: boolean, key: VerificationKey): Match => {
    const own = policyJwksHost(entry.urls[0]);
    return {
      rule: ruleOf(entry.index),
      id: `jwks ${entry.urls[0]}`,
      index: entry.index,
      hosts: entry.s.hosts ?? [own],
      signer: { source: 'jwks', jwks: url, ...(sig.jku !== undefined ? { jku: pinnedJku ? 'pinned' : 'ignored' } : {}) },
      key,
    };
  };

  const matchJwks = (sig: CardSignature): Match | Promise<Match | undefined> => {
    // A jku counts only as a choice among the URLs the policy already pins.
    const pinnedJku = sig.jku === undefined ? undefined : jwksEntries.find((e) => e.urls.includes(sig.jku!));
    // The first URL tried, when its set is cached, fresh and holds the kid: what getKey would answer, without waiting.
    const entry = pinnedJku ?? jwksEntries[0]!;
    const url = pinnedJku ? sig.jku! : entry.urls[0]!;
    const key = cachedJwksKey(jwksCache(), url, sig.kid);
    if (key !== undefined) return jwksMatch(sig, entry, url, pinnedJku !== undefined, key);
    return fetchJwksMatch(sig, pinnedJku);
  };

  const fetchJwksMatch = async (sig: CardSignature, pinnedJku: (typeof jwksEntries)[number] | undefined): Promise<Match | undefined> => {
    for (const entry of pinnedJku ? [pinnedJku] : jwksEntries) {
      for (const url of pinnedJku ? [sig.jku!] : entry.urls) {
        let key: VerificationKey;
        try {
          key = await jwksCache().getKey(url, sig.kid);
        } catch (error) {
          if (error instanceof UnknownKeyError && !pinnedJku) continue;
          throw error;
        }
        return jwksMatch(sig, entry, url, pinnedJku !== undefined, key);
      }
    }
    return undefined;
  };

  const verified = new Map<string, { sig: CardSignature; readings: CanonicalReading[] }>();
  const trusted = new Map<string, TrustedCardSigner>();
  const independent = new Set<string>();
  const trustedEntries = new Set<number>();
  const hostRefused: { id: string; label: string; index?: number }[] = [];
  const sigs: CardSignature[] = [];
  for (const slot of slots) {
    if (!slot.ok) {
      refuse(slot.number, slot.kid, slot.error);
      continue;
    }
    const sig = slot.sig;
    sigs.push(sig);
    let m: Match | undefined;
    let readings: CanonicalReading[];
    try {
      const found = match(sig);
      m = found instanceof Promise ? await found : found;
      if (m === undefined) {
        others.push({ number: sig.number, kid: short(sig.kid), status: 'untrusted' });
        continue;
      }
      const checked = checkSignature(sig, m.key ?? (await m.resolveKey!()), prepared);
      readings = checked instanceof Promise ? await checked : checked;
    } catch (error) {
      if (!(error instanceof AgentIdError)) throw error;
      refuse(sig.number, sig.kid, error);
      continue;
    }
    if (m.signer.did !== undefined && !verified.has(m.signer.did)) verified.set(m.signer.did, { sig, readings });
    if (!hostsAllowed(m.hosts, hosts)) {
      hostRefused.push({ id: m.id, label: m.signer.did ?? m.signer.jwks ?? m.rule, index: m.index });
      continue;
    }
    if (m.index !== undefined) trustedEntries.add(m.index);
    const once = m.signer.did ?? m.signer.thumbprint ?? `${m.signer.jwks} ${sig.kid}`;
    if (!trusted.has(once)) {
      trusted.set(once, trustedSigner(m, sig, readings));
      independent.add(m.id);
    }
  }

  const hostText = hosts.length ? hosts.join(', ') : '(no interface URL)';
  const trustedList = [...trusted.values()];
  const unmet = (message: string, refusedHere: boolean): never => {
    if (refusedHere) throw new HostMismatchError(message);
    if (firstFailure) throw firstFailure;
    throw new UntrustedSignerError(message);
  };
  for (const did of p.requiredSigners ?? []) {
    if (trustedList.some((s) => s.did === did)) continue;
    const refused = hostRefused.some((h) => h.label === did);
    unmet(refused ? `card hosts ${hostText} are not allowed for required signer ${short(did)}` : `required signer ${short(did)} did not sign the card or is not trusted`, refused);
  }
  for (const index of requiredEntries) {
    if (trustedEntries.has(index)) continue;
    const refused = hostRefused.some((h) => h.index === index);
    unmet(refused ? `card hosts ${hostText} are not allowed for required signer ${ruleOf(index)}` : `required signer ${ruleOf(index)} did not sign the card or is not trusted`, refused);
  }
  const minimum = p.minTrustedSigners ?? (requireSignature ? 1 : 0);
  // Signers trusted only for their host are all the host's: one domain is one signer (ids `host …`).
  if (independent.size < minimum) {
    if (trusted.size === 0 && firstFailure) throw firstFailure;
    if (hostRefused.length > 0) throw new HostMismatchError(`card hosts ${hostText} are not allowed for signer ${short(hostRefused[0]!.label)}`);
    if (firstFailure) throw firstFailure;
    throw new UntrustedSignerError(
      trusted.size === 0
        ? 'no signature on the card is by a trusted signer'
        : `card has ${independent.size} independent trusted signer(s) (${trusted.size} keys; those trusted for their host count once per host, the keys of one JWKS once), the policy needs ${minimum}`,
    );
  }

  const readings: CanonicalReading[] = [];
  for (const s of trustedList) for (const r of s.readings) if (!readings.includes(r)) readings.push(r);
  const allKept = trustedList.length > 0 && trustedList.every((s) => s.readings.includes('rule-1-as-written'));
  const verdict: AgentCardVerdict = {
    // Frozen below when this card is kept for the next verification of its text.
    card: (allKept ? keptReadingForm(prepared).signed : prepared.signed) as unknown as AgentCard,
    host: hosts[0],
    hosts,
    signers: trustedList,
    readings,
    otherSignatures: others,
    unsignedFields: [...prepared.unsigned],
  };
  if (p.ownership) {
    const caller = p.ownership.credential;
    const jwt = caller ?? ownershipCredentialIn(prepared.signed);
    if (jwt === undefined) throw new SignatureRequiredError('card carries no ownership credential', { check: 'ownership_credential' });
    const vc = await verifyOwnershipCredential(jwt, resolver, {
      trustedIssuers: p.ownership.trustedIssuers ?? trustedList.flatMap((s) => (s.did !== undefined ? [s.did] : [])),
      isRevoked: p.ownership.isRevoked,
      clock: p.ownership.clock,
      ...(p.ownership.statusLists !== undefined ? { statusLists: p.ownership.statusLists } : {}),
    });
    let agentSig = verified.get(vc.agent)?.sig;
    if (!agentSig) {
      agentSig = sigs.find((s) => s.did === vc.agent);
      if (!agentSig) {
        throw new SignatureRequiredError(`ownership credential names agent ${short(vc.agent)}, which did not sign the card`, { check: 'agent_signature' });
      }
      await checkSignature(agentSig, await resolveDidKey(agentSig, resolver), prepared);
    }
    verdict.ownership = { ...vc, source: caller === undefined ? 'card' : 'caller', agentKeyId: agentSig.kid };
  }
  rememberCard(text, read);
  if (known === undefined && isRecord(card) && !ArrayBuffer.isView(card) && readCards.has(text)) objectTexts.set(card, text);
  return verdict;
}
