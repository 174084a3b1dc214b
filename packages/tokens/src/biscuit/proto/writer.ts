import type { EnvelopeView, KeyView, SignedBlockView } from './envelope.js';

/*
 * The envelope schema written (biscuit-auth schema.proto `Biscuit`, `SignedBlock`,
 * `PublicKey`, `ExternalSignature`, `Proof`), field by field in schema order, as prost
 * writes it: what `envelope.ts` reads. Mint and attenuate write every token with it.
 */

/** A varint of a non-negative safe integer. */
export function varint(value: number, out: number[]): void {
  let n = value;
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** A length-delimited field. */
export function bytesField(field: number, data: Uint8Array, out: number[]): void {
  varint(field * 8 + 2, out);
  varint(data.length, out);
  for (const b of data) out.push(b);
}

/** A varint field. */
export function numberField(field: number, value: number, out: number[]): void {
  varint(field * 8, out);
  varint(value, out);
}

/** A message written by `write`, as bytes. */
export function message(write: (out: number[]) => void): Uint8Array {
  const out: number[] = [];
  write(out);
  return Uint8Array.from(out);
}

const key = (k: KeyView) =>
  message((out) => {
    numberField(1, k.algorithm, out);
    bytesField(2, k.key, out);
  });

function signedBlock(b: SignedBlockView): Uint8Array {
  return message((out) => {
    bytesField(1, b.block, out);
    bytesField(2, key(b.nextKey), out);
    bytesField(3, b.signature, out);
    if (b.externalKey && b.externalSignature) {
      const external = b.externalKey;
      const signature = b.externalSignature;
      bytesField(
        4,
        message((e) => {
          bytesField(1, signature, e);
          bytesField(2, key(external), e);
        }),
        out,
      );
    }
    // Version 0 is the default: prost leaves it out, and so does biscuit-auth.
    if (b.version > 0) numberField(5, b.version, out);
  });
}

/** A serialized Biscuit from its envelope. */
export function writeEnvelope(envelope: EnvelopeView): Uint8Array {
  return message((out) => {
    if (envelope.rootKeyId !== undefined) numberField(1, envelope.rootKeyId, out);
    const [authority, ...blocks] = envelope.blocks;
    if (!authority) throw new TypeError('a Biscuit has an authority block');
    bytesField(2, signedBlock(authority), out);
    for (const b of blocks) bytesField(3, signedBlock(b), out);
    bytesField(4, message((p) => bytesField(envelope.proof.kind === 'secret' ? 1 : 2, envelope.proof.value, p)), out);
  });
}
