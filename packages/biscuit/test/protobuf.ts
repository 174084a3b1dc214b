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
