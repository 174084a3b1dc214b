// Minimal protobuf surgery for tests: the fields of a message, and back.

/** One field: its key bytes, whether it is length-delimited, and its value bytes. */
export type Field = { key: number[]; len: boolean; data: Uint8Array };

export function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
}

export function fieldsOf(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const read = () => {
    let n = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = buf[pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
    }
  };
  while (pos < buf.length) {
    const start = pos;
    const k = read();
    const key = [...buf.subarray(start, pos)];
    if ((k & 7) === 2) {
      const len = read();
      out.push({ key, len: true, data: buf.subarray(pos, pos + len) });
      pos += len;
    } else {
      const s = pos;
      read();
      out.push({ key, len: false, data: buf.subarray(s, pos) });
    }
  }
  return out;
}

export function encode(fields: Field[]): Uint8Array {
  return Uint8Array.from(fields.flatMap((f) => [...f.key, ...(f.len ? varint(f.data.length) : []), ...f.data]));
}

/** A field's number (single-byte keys, as every key in a Biscuit envelope is). */
export const fieldNumber = (f: Field): number => f.key[0]! >> 3;

/**
 * Rewrites a serialized Biscuit's top-level fields (1 root key id, 2 authority, 3 blocks,
 * 4 proof). `block` is the signed block's index (authority 0), -1 for other fields; an
 * edit returning undefined drops the field.
 */
export function rewriteToken(bytes: Uint8Array, edit: (field: number, f: Field, block: number) => Field | undefined): Uint8Array {
  let block = -1;
  const out: Field[] = [];
  for (const f of fieldsOf(bytes)) {
    const n = fieldNumber(f);
    const signed = n === 2 || n === 3;
    if (signed) block++;
    const edited = edit(n, f, signed ? block : -1);
    if (edited) out.push(edited);
  }
  return encode(out);
}

/** The fields of signed block `index` (authority 0), undefined past the last. */
export function signedBlockFields(bytes: Uint8Array, index: number): Field[] | undefined {
  let found: Field[] | undefined;
  rewriteToken(bytes, (_n, f, block) => {
    if (block === index) found = fieldsOf(f.data);
    return f;
  });
  return found;
}

/** The same token with signed block `index`'s fields edited (signatures are not redone). */
export function editSignedBlock(bytes: Uint8Array, index: number, edit: (fields: Field[]) => Field[]): Uint8Array {
  return rewriteToken(bytes, (_n, f, block) => (block === index ? { ...f, data: encode(edit(fieldsOf(f.data))) } : f));
}
