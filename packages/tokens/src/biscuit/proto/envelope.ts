import { LEN, Reader, VARINT, bad, expectWire, once } from './reader.js';

/*
 * The envelope schema (biscuit-auth schema.proto `Biscuit`, `SignedBlock`, `PublicKey`,
 * `ExternalSignature`, `Proof`): each signed block's payload, signature, next key, version
 * and external signature, and the proof, which `signatures.ts` verifies with node:crypto.
 */

/** A public key as the envelope carries it (algorithm: 0 Ed25519, 1 P-256). */
export interface KeyView {
  algorithm: number;
  key: Uint8Array;
}

/** One block as signed: its payload, its signature (the revocation id) and the keys around it. */
export interface SignedBlockView {
  block: Uint8Array;
  signature: Uint8Array;
  /** The public key the next block's signature is checked with. */
  nextKey: KeyView;
  /** Signature payload version (absent on the wire: 0). */
  version: number;
  /** Third-party blocks only: the key that signed the block's external signature. */
  externalKey?: KeyView;
  /** Third-party blocks only: the external signature. */
  externalSignature?: Uint8Array;
}

/** A serialized Biscuit as read: its signed blocks, authority first, and its proof. */
export interface EnvelopeView {
  rootKeyId?: number;
  blocks: SignedBlockView[];
  /** `secret`: the next secret key (attenuable token); `seal`: the final signature (sealed token). */
  proof: { kind: 'secret' | 'seal'; value: Uint8Array };
  /**
   * Read envelopes only: each signed block's field exactly as encoded (tag, length and
   * message), parallel to `blocks`. Reading is deterministic, so equal bytes are equal blocks.
   */
  encodedBlocks?: Uint8Array[];
}

/** A `PublicKey` message (the envelope's keys, and the keys a block's scopes may name). */
export function readPublicKey(r: Reader): KeyView {
  let seen = 0;
  let algorithm: number | undefined;
  let key: Uint8Array | undefined;
  while (r.next()) {
    const { field, wire } = r;
    seen = once(seen, field);
    if (field === 1) {
      expectWire(wire, VARINT);
      algorithm = r.varint();
    } else if (field === 2) {
      expectWire(wire, LEN);
      key = r.bytes();
    } else bad('unknown public key field');
  }
  if (algorithm === undefined || key === undefined) bad('incomplete public key');
  return { algorithm, key };
}

function readExternalSignature(r: Reader): { signature: Uint8Array; key: KeyView } {
  let seen = 0;
  let signature: Uint8Array | undefined;
  let key: KeyView | undefined;
  while (r.next()) {
    const { field, wire } = r;
    seen = once(seen, field);
    expectWire(wire, LEN);
    if (field === 1) signature = r.bytes();
    else if (field === 2) key = readPublicKey(r.sub());
    else bad('unknown external signature field');
  }
  if (!signature || !key) bad('incomplete external signature');
  return { signature, key };
}

function readSignedBlock(r: Reader): SignedBlockView {
  let seen = 0;
  let block: Uint8Array | undefined;
  let signature: Uint8Array | undefined;
  let nextKey: KeyView | undefined;
  let external: { signature: Uint8Array; key: KeyView } | undefined;
  let version = 0;
  while (r.next()) {
    const { field, wire } = r;
    seen = once(seen, field);
    if (field === 1) {
      expectWire(wire, LEN);
      block = r.bytes();
    } else if (field === 2) {
      expectWire(wire, LEN);
      nextKey = readPublicKey(r.sub());
    } else if (field === 3) {
      expectWire(wire, LEN);
      signature = r.bytes();
    } else if (field === 4) {
      expectWire(wire, LEN);
      external = readExternalSignature(r.sub());
    } else if (field === 5) {
      expectWire(wire, VARINT);
      version = r.varint();
      if (version > 0xffff_ffff) bad('signature version out of range');
    } else bad('unknown signed block field');
  }
  if (!block || !signature || !nextKey) bad('incomplete signed block');
  const view: SignedBlockView = { block, signature, nextKey, version };
  if (external) {
    view.externalKey = external.key;
    view.externalSignature = external.signature;
  }
  return view;
}

function readProof(r: Reader): EnvelopeView['proof'] {
  let proof: EnvelopeView['proof'] | undefined;
  while (r.next()) {
    const { field, wire } = r;
    expectWire(wire, LEN);
    if (proof) bad('proof has two values');
    if (field === 1) proof = { kind: 'secret', value: r.bytes() };
    else if (field === 2) proof = { kind: 'seal', value: r.bytes() };
    else bad('unknown proof field');
  }
  if (!proof) bad('no proof');
  return proof;
}

/** A serialized Biscuit's envelope: signed blocks, authority first, and the proof. */
export function readSerialized(bytes: Uint8Array): EnvelopeView {
  const r = new Reader(bytes);
  let seen = 0;
  let rootKeyId: number | undefined;
  let authority: SignedBlockView | undefined;
  let authorityField: Uint8Array | undefined;
  let proof: EnvelopeView['proof'] | undefined;
  const blocks: SignedBlockView[] = [];
  const fields: Uint8Array[] = [];
  while (!r.done()) {
    const start = r.pos;
    r.next();
    const { field, wire } = r;
    if (field !== 3) seen = once(seen, field);
    if (field === 1) {
      expectWire(wire, VARINT);
      rootKeyId = r.varint();
    } else if (field === 2) {
      expectWire(wire, LEN);
      authority = readSignedBlock(r.sub());
      authorityField = bytes.subarray(start, r.pos);
    } else if (field === 3) {
      expectWire(wire, LEN);
      blocks.push(readSignedBlock(r.sub()));
      fields.push(bytes.subarray(start, r.pos));
    } else if (field === 4) {
      expectWire(wire, LEN);
      proof = readProof(r.sub());
    } else bad('unknown token field');
  }
  if (!authority || !authorityField) bad('no authority block');
  if (!proof) bad('no proof');
  if (authority.externalKey) bad('the authority block has an external signature');
  const view: EnvelopeView = { blocks: [authority, ...blocks], proof, encodedBlocks: [authorityField, ...fields] };
  if (rootKeyId !== undefined) view.rootKeyId = rootKeyId;
  return view;
}

/** The signed blocks of a serialized Biscuit, authority first. */
export function readEnvelope(bytes: Uint8Array): SignedBlockView[] {
  return readSerialized(bytes).blocks;
}
