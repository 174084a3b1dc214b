import type { EnvelopeView, KeyView, SignedBlockView } from './envelope.js';

/*
 * The envelope schema written (biscuit-auth schema.proto `Biscuit`, `SignedBlock`,
 * `PublicKey`, `ExternalSignature`, `Proof`), field by field in schema order, as prost
 * writes it: what `envelope.ts` reads. Mint and attenuate write every token with it.
 */

const utf8 = new TextEncoder();

/** How many bytes the varint of `value` takes. */
function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

/**
 * A protobuf message written front to back into one growing buffer. A nested message
 * gets one byte for its length before it is written, the length is filled in after it
 * and the message moved only when the length needs more bytes, so a message costs no
 * copy of its own.
 */
export class ProtoWriter {
  #buf: Uint8Array;
  #len = 0;

  /** `size`: the bytes expected, so that the buffer rarely grows. */
  constructor(size = 256) {
    this.#buf = new Uint8Array(size);
  }

  /** Starts a new message in the same buffer. */
  reset(): void {
    this.#len = 0;
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  #varintAt(at: number, value: number): void {
    let n = value;
    let i = at;
    while (n >= 0x80) {
      this.#buf[i++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.#buf[i] = n;
  }

  /** A varint of a non-negative safe integer. */
  varint(value: number): void {
    const n = varintLength(value);
    this.#room(n);
    this.#varintAt(this.#len, value);
    this.#len += n;
  }

  /** Bytes as they are, no tag or length (the fields of a message written apart). */
  raw(data: Uint8Array): void {
    this.#room(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
  }

  /** A length-delimited field. */
  bytesField(field: number, data: Uint8Array): void {
    this.varint(field * 8 + 2);
    this.varint(data.length);
    this.raw(data);
  }

  /** A string field (UTF-8). */
  stringField(field: number, text: string): void {
    this.varint(field * 8 + 2);
    this.#room(1 + text.length * 3);
    const at = this.#len++;
    let ascii = true;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      this.#buf[this.#len + i] = c;
    }
    this.#len += ascii ? text.length : utf8.encodeInto(text, this.#buf.subarray(this.#len)).written;
    this.#lengthAt(at);
  }

  /** A varint field. */
  numberField(field: number, value: number): void {
    this.varint(field * 8);
    this.varint(value);
  }

  /** A message field: what `write` writes, length-delimited. */
  messageField(field: number, write: () => void): void {
    this.varint(field * 8 + 2);
    this.#room(1);
    const at = this.#len++;
    write();
    this.#lengthAt(at);
  }

  /** Fills in the length of what was written after the byte kept for it at `at`. */
  #lengthAt(at: number): void {
    const size = this.#len - at - 1;
    const extra = varintLength(size) - 1;
    if (extra > 0) {
      this.#room(extra);
      this.#buf.copyWithin(at + 1 + extra, at + 1, this.#len);
      this.#len += extra;
    }
    this.#varintAt(at, size);
  }

  /** The bytes written, as a view valid until the next `reset`. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** The bytes written, a copy of their own. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

function key(w: ProtoWriter, field: number, k: KeyView): void {
  w.messageField(field, () => {
    w.numberField(1, k.algorithm);
    w.bytesField(2, k.key);
  });
}

function signedBlock(w: ProtoWriter, field: number, b: SignedBlockView): void {
  w.messageField(field, () => {
    w.bytesField(1, b.block);
    key(w, 2, b.nextKey);
    w.bytesField(3, b.signature);
    if (b.externalKey && b.externalSignature) {
      const external = b.externalKey;
      const signature = b.externalSignature;
      w.messageField(4, () => {
        w.bytesField(1, signature);
        key(w, 2, external);
      });
    }
    // Version 0 is the default: prost leaves it out, and so does biscuit-auth.
    if (b.version > 0) w.numberField(5, b.version);
  });
}

/** A serialized Biscuit from its envelope. */
export function writeEnvelope(envelope: EnvelopeView): Uint8Array {
  // Its own buffer, sized to fit: the proof is a secret, and no buffer outlives the call with it.
  const w = new ProtoWriter(envelope.blocks.reduce((n, b) => n + b.block.length + 192, 64));
  if (envelope.rootKeyId !== undefined) w.numberField(1, envelope.rootKeyId);
  const [authority, ...blocks] = envelope.blocks;
  if (!authority) throw new TypeError('a Biscuit has an authority block');
  signedBlock(w, 2, authority);
  for (const b of blocks) signedBlock(w, 3, b);
  w.messageField(4, () => w.bytesField(envelope.proof.kind === 'secret' ? 1 : 2, envelope.proof.value));
  return w.finish();
}
