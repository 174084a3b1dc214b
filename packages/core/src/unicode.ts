const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate), so it has a UTF-8 encoding
 * and an RFC 8785 canonical form.
 * @example
 * ```ts
 * isWellFormed('ok'); // true
 * isWellFormed('\uD800'); // false
 * ```
 */
export function isWellFormed(text: string): boolean {
  // The engine's own check where it has one (ES2024): it answers one-byte strings at once.
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(text) : !LONE_SURROGATE.test(text);
}

/**
 * Replaces every lone surrogate with U+FFFD.
 * @example
 * ```ts
 * toWellFormed('a\uD800b'); // 'a\uFFFDb'
 * ```
 */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}
