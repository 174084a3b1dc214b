import { InvalidSignatureError, MalformedInputError, type PublicKey } from '@agent-id/core';
import { publicKeyFromDidKey } from '@agent-id/did';
import { type TokenLimits, assertBlockCount } from '../limits.js';
import type { ChainRecord, HopRecord } from '../model.js';
import { mapWasmError } from '../wasm/errors.js';
import type { Glue } from '../wasm/runtime.js';
import { AUTHORITY_FACTS, AUTHORITY_VERSION, HOP_FACTS, HOP_VERSION, isHopCheck, joinResources } from './datalog.js';
import { algorithmOf, assertRootKey, wasmPublicKey } from './keys.js';
import { type BlockView, type CheckView, type FactView, type TermValue, readBlock } from './proto/block.js';
import { type EnvelopeView, type SignedBlockView, readEnvelope, readSerialized } from './proto/envelope.js';
import { type BlockRun, type VerifiedBefore, blockRuns, verifySignatures, verifySignaturesAsync } from './signatures.js';
import { cachedPrefix, countRunLookup, rememberPrefix } from '../signature-cache.js';
import { type TrustedRootKey, rootKeysFor } from '../roots.js';
import { type FirstPartyCheck, checksWeight } from '../first-party.js';
import { readCheckBlock } from './checks.js';
import { REVOCATION_ID_PREFIXES, authorityRevocationId, blockRevocationId, hopRevocationId, revocationIdsAsync } from './revocation-ids.js';
import { equalBytes } from '@agent-id/core/internal';

type Biscuit = Glue['Biscuit']['prototype'];

/** Parses and signature-checks a token against the first trusted root key that verifies it. */
export function parseBiscuit(glue: Glue, bytes: Uint8Array, roots: readonly PublicKey[], limits: TokenLimits): Biscuit {
  if (roots.length === 0) throw new TypeError('at least one trusted Biscuit root public key is required');
  for (const root of roots) assertRootKey(root);
  let lastError: unknown;
  for (const root of roots) {
    const key = wasmPublicKey(glue, root);
    try {
      const token = glue.Biscuit.fromBytes(bytes, key);
      try {
        assertBlockCount(token.countBlocks(), limits);
      } catch (error) {
        token.free();
        throw error;
      }
      return token;
    } catch (error) {
      const mapped = mapWasmError(error, 'biscuit');
      if (mapped.code !== 'invalid_signature' && roots.length === 1) throw mapped;
      if (lastError === undefined || mapped.code === 'invalid_signature') lastError = mapped;
    } finally {
      key.free();
    }
  }
  throw lastError instanceof InvalidSignatureError ? new InvalidSignatureError('biscuit: no trusted root key verifies the token', { check: 'root_key' }) : lastError;
}

function strings(value: TermValue | undefined, what: string): string[] {
  if (value?.kind !== 'set') throw new MalformedInputError(`${what} is not a set`, { check: 'chain' });
  const out: string[] = [];
  for (const item of value.value) {
    if (item.kind !== 'string') throw new MalformedInputError(`${what} holds a non-string`, { check: 'chain' });
    out.push(item.value);
  }
  return out.sort();
}

function text(value: TermValue | undefined, what: string): string {
  if (value?.kind !== 'string' || value.value.length === 0) throw new MalformedInputError(`${what} is not a string`, { check: 'chain' });
  return value.value;
}

function seconds(value: TermValue | undefined, what: string): number {
  if (value?.kind !== 'date') throw new MalformedInputError(`${what} is not a date`, { check: 'chain' });
  return value.value;
}

function integer(value: TermValue | undefined, what: string): number {
  if (value?.kind !== 'integer') throw new MalformedInputError(`${what} is not a count`, { check: 'chain' });
  return value.value;
}

function scopeFrom(terms: readonly TermValue[], what: string): HopRecord['granted'] {
  const exact = strings(terms[1], `${what} exact resources`);
  // Joined, `files:/a*` reads as a prefix; in the exact set Datalog matches it literally.
  if (exact.some((r) => r.endsWith('*'))) throw new MalformedInputError(`${what} lists an exact resource ending in *`, { check: 'chain' });
  return {
    resources: joinResources(exact, strings(terms[2], `${what} resource prefixes`)),
    actions: strings(terms[3], `${what} actions`),
    audience: strings(terms[4], `${what} audience`),
    expiresAt: seconds(terms[5], `${what} expiry`),
    maxDepth: integer(terms[6], `${what} depth`),
  };
}

/** The facts named `name` whose first term is the integer `index` (when given), of the expected arity. */
function factsNamed(facts: readonly FactView[], name: string, arity: number, index?: number): TermValue[][] {
  const out: TermValue[][] = [];
  for (const fact of facts) {
    if (fact.name !== name || fact.terms.length !== arity) continue;
    if (index !== undefined) {
      const first = fact.terms[0]!;
      if (first.kind !== 'integer' || first.value !== index) continue;
    }
    out.push(fact.terms);
  }
  return out;
}

function sameKey(external: { algorithm: number; key: Uint8Array } | undefined, key: PublicKey): boolean {
  return external !== undefined && external.algorithm === algorithmOf(key) && equalBytes(external.key, key.bytes);
}

/**
 * Refuses a block that is not exactly its template: the template's facts (by name and
 * arity, in order) and checks, and no rules, scopes, public keys or context. Only then do
 * the JavaScript checks decide what the blocks' Datalog would; and where Datalog does run
 * (`datalog: true`), biscuit-wasm bounds a check's join only after it finishes, so nothing
 * beyond the template may reach it.
 */
function assertTemplate(
  view: BlockView,
  facts: ReadonlyArray<readonly [string, number]>,
  checks: number,
  isCheck: ((check: CheckView, index: number) => boolean) | undefined,
  what: string,
  check: string,
  minVersion: number,
): void {
  const fail = (why: string): never => {
    throw new MalformedInputError(`${what} is not the block this package writes: ${why}`, { check });
  };
  // biscuit-auth refuses a block whose declared version is below the features it uses.
  if (view.version < minVersion) fail(`it declares Datalog version ${view.version}, below ${minVersion}`);
  if (view.facts.length !== facts.length || view.facts.some((f, i) => f.name !== facts[i]![0] || f.terms.length !== facts[i]![1])) {
    fail(`it states ${view.facts.length} fact(s) (${[...new Set(view.facts.map((f) => f.name))].join(', ').slice(0, 120)}), expected ${facts.map(([n]) => n).join(', ')}`);
  }
  if (view.rules.length > 0) fail(`it has ${view.rules.length} rule(s)`);
  if (view.scopes.length > 0) fail('it has a scope (trusting …)');
  if (view.publicKeys > 0) fail(`it names ${view.publicKeys} public key(s)`);
  if (view.context) fail('it has a context');
  if (view.checks.length !== checks) fail(`it has ${view.checks.length} check(s), expected ${checks}`);
  view.checks.forEach((c, i) => {
    if (isCheck === undefined || !isCheck(c, i)) fail(`check ${i} differs from the template's`);
  });
}

/** A block that could not be read as a hop or check-only block (inspect only). */
export interface UnattributedHop {
  /** The block's index (the authority is block 0). */
  index: number;
  reason: string;
}

/** What each block of a token is: the authority, a signed hop, or a first-party block of checks. */
export type BlockKind = 'authority' | 'hop' | 'checks';

/** A token's chain as read from its verified blocks. */
export interface BiscuitChain {
  chain: ChainRecord;
  /** Each hop's revocation id (`revocation-ids.ts`: no re-signing changes it), parallel to `chain.hops`. */
  revocationIds: string[];
  /** Biscuit's own revocation id (the signature) of every block, hops and check blocks, in order. */
  blockRevocationIds: string[];
  /** What each block read is, in order. */
  blockKinds: BlockKind[];
  /** The checks of the first-party blocks, in block order. */
  checks: FirstPartyCheck[];
  unattributed?: UnattributedHop;
}

/**
 * Reads the chain from a token's blocks, in JavaScript, from verified bytes (after
 * {@link verifySignatures} or {@link parseBiscuit} accepted them).
 * Every block must be exactly the template this package writes (strict mode; `inspect`
 * stops at a block that is not): the authority block `AUTHORITY_CODE`'s facts, a hop
 * block `HOP_CODE`'s facts and its one check rebuilt from the block's own `hop_scope`
 * (`malformed_input`, checks `authority_block`, `hop_block`), or a first-party block of
 * checks only (`check_block`, see `checks.ts`), so no signed block brings facts or rules
 * of its own. Hop i's facts are read from the i-th third-party block only, and only if its
 * external key (the key its external signature was verified with) is the key of hop i-1's
 * delegate; they must name Biscuit's revocation id of the block just before. So each hop
 * is provably written by its delegator at its position. This is the same rule the Datalog
 * form `trusting {key}` expresses, applied per block, without a Datalog query per hop.
 * A first-party block adds no hop: the holder stays the delegate of the last signed hop.
 * `strict: false` (inspect) stops at the first block that cannot be read so.
 */
export function readChain(bytes: Uint8Array, limits: TokenLimits, strict = true): BiscuitChain {
  return readChainFrom(readEnvelope(bytes), limits, strict);
}

/** The authority block read (undefined if unreadable), and the issuer it names, not yet trusted (undefined if none). */
function claimedIssuer(authority: SignedBlockView): { view: BlockView | undefined; issuer: string | undefined } {
  let view: BlockView;
  try {
    view = readBlock(authority.block);
  } catch {
    return { view: undefined, issuer: undefined };
  }
  const rows = factsNamed(view.facts, 'authority', 5);
  const issuer = rows.length === 1 ? rows[0]![0] : undefined;
  return { view, issuer: issuer?.kind === 'string' ? issuer.value : undefined };
}

/**
 * The rules of this profile that Biscuit itself does not have, each stopping an attack
 * biscuit-wasm lets through (each pinned by a test that builds it):
 *
 * - Every next key is Ed25519 (`malformed_input`, check `next_key`). With an ECDSA (P-256)
 *   next key, whoever appends the block after it can choose that key *after* seeing any
 *   ECDSA signature: public-key recovery gives a key under which a given signature
 *   verifies for a chosen message. So a holder can make one of its blocks carry, bit for
 *   bit, the signature that preceded another agent's third-party block in another token,
 *   and move that block — external signature and all — into its own token (biscuit-wasm
 *   accepts the splice; `test/profile-rules.test.ts`). ECDSA signatures are also malleable
 *   ((r, s) and (r, n − s) both verify), and Biscuit's revocation id is the signature.
 *   Ed25519 signatures bind the key (it is hashed into them) and have one valid S.
 * - Every block after the authority has signature version 1 (`malformed_input`, check
 *   `version`), whose payload includes the previous block's signature. A version-0 block
 *   is bound only to the previous block's next key, so it survives when that block is
 *   signed again (a fresh nonce, same key), escaping a revocation of the old signature;
 *   and the splice above needs one (with version 1 the block's payload would contain a
 *   signature made with the very key it must choose afterwards).
 * - Every block after the authority is a third-party hop block signed by the holder it
 *   delegates from, or a first-party block of checks only (`readChainFrom`).
 */
function assertProfile(blocks: readonly SignedBlockView[]): void {
  blocks.forEach((block, i) => {
    if (block.nextKey.algorithm !== 0) {
      throw new MalformedInputError(`block ${i}'s next key is not Ed25519: an ECDSA key can be chosen to make any signature verify, and block ${i + 1}'s signature (a revocation id) would be malleable`, { check: 'next_key' });
    }
    if (i > 0 && block.version !== 1) {
      throw new MalformedInputError(`block ${i} has signature version ${block.version}: every block after the authority must be version 1, which binds it to the previous block's signature`, { check: 'version' });
    }
  });
}

/** A token's verification before its signatures: the roots, and what a verified ancestor already established. */
interface Plan {
  envelope: EnvelopeView;
  roots: PublicKey[];
  /** The longest run of its first blocks verified before, when its root is still trusted. */
  ancestor: VerifiedBlocks | undefined;
  /** `roots`' bytes now, before any signature is checked: what a root that verifies verified with, whatever its object holds later. */
  rootBytes: Uint8Array[];
  verifiedBefore: VerifiedBefore | undefined;
  /** All its blocks, remembered once verified. */
  run: BlockRun;
  /** The authority block as read to find the issuer (reading is a pure function of its bytes, which do not change meanwhile). */
  authority: BlockView | undefined;
}

/**
 * The longest run of a token's first blocks verified before, all of them included: every
 * sub-agent's token is its parent's blocks plus one, or more when tokens in between were
 * never presented here. Looked up by the last block's signature, longest first.
 */
function verifiedAncestor(envelope: EnvelopeView): { run: BlockRun; ancestor: VerifiedBlocks | undefined } {
  const count = envelope.blocks.length;
  const runOf = blockRuns(envelope);
  const run = runOf(count);
  let ancestor = cachedPrefix<VerifiedBlocks>(run.id, run.encoded);
  for (let k = count - 1; ancestor === undefined && k >= 1; k--) {
    const shorter = runOf(k);
    ancestor = cachedPrefix<VerifiedBlocks>(shorter.id, shorter.encoded);
  }
  return { run, ancestor };
}

/**
 * What is decided of a token before its signatures: its block count, this profile's rules,
 * and how many of its first blocks were verified before (see {@link verifiedAncestor}), in
 * which case only the blocks after them are left to verify and read. The root must still
 * be one this verifier trusts for the issuer named (read from the same authority block
 * bytes when the ancestor was verified).
 */
function plan(envelope: EnvelopeView, trusted: readonly TrustedRootKey[], limits: TokenLimits): Plan {
  assertBlockCount(envelope.blocks.length, limits);
  assertProfile(envelope.blocks);
  const { run, ancestor: cached } = verifiedAncestor(envelope);
  const claimed = cached !== undefined ? undefined : claimedIssuer(envelope.blocks[0]!);
  const roots = rootKeysFor(trusted, cached !== undefined ? cached.chain.issuer : claimed!.issuer);
  const rootBytes = roots.map((r) => Uint8Array.from(r.bytes));
  // By the bytes that verified it: a trusted key object changed in place since is another key.
  const ancestorRoot = cached === undefined ? undefined : roots.find((r, i) => r.type === cached.rootType && equalBytes(rootBytes[i]!, cached.rootBytes));
  const ancestor = ancestorRoot === undefined ? undefined : cached;
  // A run found but not lent (its root no longer trusted for the issuer) is a miss.
  countRunLookup(ancestor !== undefined);
  return { envelope, roots, ancestor, rootBytes, verifiedBefore: ancestorRoot === undefined ? undefined : { blocks: cached!.blockKinds.length, root: ancestorRoot }, run, authority: claimed?.view };
}

/**
 * The chain read from a token's blocks (strict), `root` having verified them; remembered
 * for the tokens that extend it (`ownBytes`: with the blocks' bytes as they are, the
 * caller's own, else a copy). What it returns is that remembered record, deeply frozen.
 */
function verified(p: Plan, root: PublicKey, read: BiscuitChain & { continuation: Continuation }, ownBytes: boolean): BiscuitChain & { root: PublicKey } {
  const { chain, revocationIds, blockRevocationIds, blockKinds, checks, continuation } = read;
  // Its bytes as they were when its signature was checked (or when the run lent was found): the caller may change its key object in place meanwhile.
  const rootBytes = p.rootBytes[p.roots.indexOf(root)];
  if (rootBytes === undefined) throw new TypeError('the root that verified is one of the plan\'s');
  const record = { chain, revocationIds, blockRevocationIds, blockKinds, checks, continuation, root, rootType: root.type, rootBytes };
  return rememberPrefix<VerifiedBlocks>(p.run.id, p.run.encoded, record, checksWeight(checks), ownBytes);
}

/**
 * Verifies a serialized token ({@link verifySignatures}) against the trusted roots that
 * may speak for the issuer it names, then reads its chain from the verified blocks
 * (strict: every block its template or check-only). Returns the root that verified.
 * Synchronous: for Node, where signatures verify natively.
 */
export function verifyBiscuit(bytes: Uint8Array, trusted: readonly TrustedRootKey[], limits: TokenLimits): BiscuitChain & { root: PublicKey } {
  return verifyEnvelope(readSerialized(bytes), trusted, limits);
}

/** {@link verifyBiscuit} of an envelope already read. */
export function verifyEnvelope(envelope: EnvelopeView, trusted: readonly TrustedRootKey[], limits: TokenLimits): BiscuitChain & { root: PublicKey } {
  const p = plan(envelope, trusted, limits);
  const root = verifySignatures(envelope, p.roots, p.verifiedBefore);
  return verified(p, root, readChainFrom(envelope.blocks, limits, true, p.ancestor, p.authority), false);
}

/**
 * {@link verifyBiscuit} with {@link verifySignaturesAsync}: off Node, the signatures verify
 * with WebCrypto while the blocks are read, and the verdict is the synchronous one.
 * `bytes` must never change (the caller's own: `ownBytesOf`): the verified blocks are kept as
 * they are for the tokens that extend them.
 */
export async function verifyBiscuitAsync(bytes: Uint8Array, trusted: readonly TrustedRootKey[], limits: TokenLimits): Promise<BiscuitChain & { root: PublicKey }> {
  return verifyEnvelopeAsync(readSerialized(bytes), trusted, limits);
}

/** {@link verifyBiscuitAsync} of an envelope already read (from bytes no one ever changes). */
export async function verifyEnvelopeAsync(envelope: EnvelopeView, trusted: readonly TrustedRootKey[], limits: TokenLimits): Promise<BiscuitChain & { root: PublicKey }> {
  const p = plan(envelope, trusted, limits);
  const { root: signatures, issuerMessages } = verifySignaturesAsync(envelope, p.roots, p.verifiedBefore, REVOCATION_ID_PREFIXES);
  // Awaited below, after the reading: a refusal meanwhile is not an unhandled rejection.
  signatures.catch(() => undefined);
  const ids = revocationIdsAsync(issuerMessages);
  // Read while the signatures verify; a signature's refusal still comes first, as in verifyEnvelope.
  let read: (BiscuitChain & { continuation: Continuation }) | undefined;
  let unreadable: unknown;
  try {
    read = readChainFrom(envelope.blocks, limits, true, p.ancestor, p.authority, await ids);
  } catch (error) {
    unreadable = error;
  }
  const root = await signatures;
  if (read === undefined) throw unreadable;
  return verified(p, root, read, true);
}

/**
 * What reading a first-party block after a run of blocks needs of them: the authority
 * block's facts, and the symbol table the run leaves (the authority's, extended by each
 * first-party block's). Never handed to a caller: frozen itself, and not walked when the
 * record holding it is deeply frozen (its facts are many small objects).
 */
interface Continuation {
  authorityFacts: readonly FactView[];
  symbols: readonly string[];
}

/** What the signatures and strict reading of a run of a token's first blocks established (the proof aside), and how to read on. */
type VerifiedBlocks = Omit<BiscuitChain, 'unattributed'> & { continuation: Continuation; root: PublicKey; rootType: PublicKey['type']; rootBytes: Uint8Array };

/**
 * Reads the chain from `blocks`; with `verified`, the strict reading of a run of its first
 * blocks, established before from the same bytes (the blocks after it are read); with
 * `authorityView`, the authority block already read from the same bytes; with `ids`, the
 * revocation ids of the blocks (by index) already computed from the same bytes
 * (`revocationIdsAsync`).
 */
function readChainFrom(
  blocks: readonly SignedBlockView[],
  limits: TokenLimits,
  strict: boolean,
  verified?: VerifiedBlocks,
  authorityView?: BlockView,
  ids?: ReadonlyArray<string | undefined>,
): BiscuitChain & { continuation: Continuation } {
  assertBlockCount(blocks.length, limits);
  let start: number;
  let chain: ChainRecord;
  let revocationIds: string[];
  let blockRevocationIds: string[];
  let blockKinds: BlockKind[];
  let checks: FirstPartyCheck[];
  // The authority block and the token's symbol table, which a first-party block extends:
  // the authority's symbols, then each first-party block's (a third-party block's table is
  // its own).
  let authorityFacts: readonly FactView[];
  let symbols: readonly string[];
  if (verified !== undefined) {
    if (verified.blockKinds.length > blocks.length) throw new TypeError('a verified run is of the first blocks of the token');
    start = verified.blockKinds.length;
    chain = { ...verified.chain, hops: [...verified.chain.hops] };
    revocationIds = [...verified.revocationIds];
    blockRevocationIds = [...verified.blockRevocationIds];
    for (let b = start; b < blocks.length; b++) blockRevocationIds.push(blockRevocationId(blocks[b]!));
    blockKinds = [...verified.blockKinds];
    checks = [...verified.checks];
    ({ authorityFacts, symbols } = verified.continuation);
  } else {
    start = 1;
    blockRevocationIds = blocks.map(blockRevocationId);
    const authority = authorityView ?? readBlock(blocks[0]!.block);
    authorityFacts = authority.facts;
    const authorities = factsNamed(authorityFacts, 'authority', 5);
    const scopes = factsNamed(authorityFacts, 'hop_scope', 7, 0);
    const rows = authorities.length * scopes.length;
    if (rows !== 1) throw new MalformedInputError(`authority block must state one capability, found ${rows}`, { check: 'authority' });
    if (strict) assertTemplate(authority, AUTHORITY_FACTS, 0, undefined, 'the authority block', 'authority_block', AUTHORITY_VERSION);
    const a = authorities[0]!;
    revocationIds = [ids?.[0] ?? authorityRevocationId(blocks[0]!)];
    chain = {
      issuer: text(a[0], 'issuer'),
      onBehalfOf: text(a[2], 'on-behalf-of'),
      task: text(a[3], 'task'),
      hops: [{ from: text(a[0], 'issuer'), to: text(a[1], 'holder'), granted: scopeFrom(scopes[0]!, 'authority'), revocationId: revocationIds[0]!, issuedAt: seconds(a[4], 'issue time') }],
    };
    blockKinds = ['authority'];
    checks = [];
    symbols = authority.symbols;
  }
  for (let b = start; b < blocks.length; b++) {
    const block = blocks[b]!;
    const index = chain.hops.length;
    try {
      if (!block.externalKey) {
        // A first-party block: checks only, no hop (so no new holder).
        const view = readBlock(block.block, symbols);
        symbols = view.symbols;
        checks.push(...readCheckBlock(view, b, authorityFacts));
        blockKinds.push('checks');
        continue;
      }
      const from = chain.hops[index - 1]!.to;
      let key: PublicKey;
      try {
        key = publicKeyFromDidKey(from);
        algorithmOf(key);
      } catch (cause) {
        throw new InvalidSignatureError(`hop ${index}: delegator ${from.slice(0, 120)} is not a did:key, so its signature cannot be checked`, { check: 'hop_signature', cause });
      }
      if (!sameKey(block.externalKey, key)) throw new InvalidSignatureError(`hop ${index} (block ${b}) is not signed by its delegator ${from.slice(0, 120)}`, { check: 'hop_signature' });
      const view = readBlock(block.block);
      const facts = view.facts;
      const hops = factsNamed(facts, 'hop', 5, index);
      const hopScopes = factsNamed(facts, 'hop_scope', 7, index);
      if (hops.length === 0 || hopScopes.length === 0) throw new InvalidSignatureError(`hop ${index} (block ${b}) is not stated by its delegator ${from.slice(0, 120)}`, { check: 'hop_signature' });
      if (hops.length > 1 || hopScopes.length > 1) throw new MalformedInputError(`hop ${index} is stated more than once`, { check: 'chain' });
      const row = hops[0]!;
      assertTemplate(view, HOP_FACTS, 1, (c) => isHopCheck(c, hopScopes[0]!, row[4]!), `hop block ${b}`, 'hop_block', HOP_VERSION);
      const previous = row[3]!;
      // Byte for byte: the same test as comparing it with block b-1's revocation id (its signature in hex).
      if (previous.kind !== 'bytes' || !equalBytes(previous.value, blocks[b - 1]!.signature)) {
        throw new MalformedInputError(`hop ${index} (block ${b}) is not bound to block ${b - 1}`, { check: 'chain' });
      }
      const hopFrom = text(row[1], `hop ${index} delegator`);
      if (hopFrom !== from) throw new MalformedInputError(`hop ${index} names delegator ${hopFrom.slice(0, 120)}, expected ${from.slice(0, 120)}`, { check: 'chain' });
      revocationIds.push(ids?.[b] ?? hopRevocationId(block, blocks[b - 1]!));
      chain.hops.push({
        from: hopFrom,
        to: text(row[2], `hop ${index} delegate`),
        granted: scopeFrom(hopScopes[0]!, `hop ${index}`),
        revocationId: revocationIds[index]!,
        issuedAt: seconds(row[4], `hop ${index} issue time`),
      });
      blockKinds.push('hop');
    } catch (error) {
      if (strict) throw error;
      return { chain, revocationIds, blockRevocationIds, blockKinds, checks, continuation: Object.freeze({ authorityFacts, symbols }), unattributed: { index: b, reason: error instanceof Error ? error.message : 'unreadable' } };
    }
  }
  return { chain, revocationIds, blockRevocationIds, blockKinds, checks, continuation: Object.freeze({ authorityFacts, symbols }) };
}
