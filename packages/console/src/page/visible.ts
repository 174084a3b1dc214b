/** Making attacker-chosen text safe to look at: nothing invisible, nothing that reorders what follows. */

// C0 controls become their Control Pictures (U+2400…); other invisible or reordering
// characters (C1, soft hyphen, line/paragraph separators, bidi controls, zero-width and
// filler characters, variation selectors, interlinear annotations, shorthand format
// controls, musical formatting, tag characters and the supplementary variation selectors) a
// \u{…} escape. Read by code point, so characters beyond the BMP are judged whole; a lone
// surrogate is shown as an escape too.
const INVISIBLE: readonly (readonly [number, number])[] = [
  [0x7f, 0x9f],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180e, 0x180e],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0xd800, 0xdfff],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
];

/** `text` with every control or invisible character shown as a visible symbol or escape. */
export function visible(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x20) out += String.fromCharCode(0x2400 + code);
    else if (code === 0x7f) out += '\u2421';
    else if (INVISIBLE.some(([from, to]) => code >= from && code <= to)) out += code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return out;
}
