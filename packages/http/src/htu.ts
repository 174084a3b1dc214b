import { MalformedInputError } from '@agent-id/core';
import { BoundedMap } from '@agent-id/core/internal';

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The form in which a proof's `htu` and a request's URL are compared (RFC 9449 §4.3): the
 * URL without query and fragment, after syntax-based and scheme-based normalization
 * (RFC 3986 §6.2.2, §6.2.3): scheme and host in lower case, the scheme's default port
 * dropped, dot segments removed, an empty path as `/`, percent-encodings of unreserved
 * characters decoded and the others in upper case. Only `http` and `https` URLs are
 * accepted; anything else is `malformed_input` (check `htu`).
 *
 * @example
 * ```ts
 * normalizeHtu('HTTPS://Tools.Example:443/a/./b/%7euser?x=1'); // 'https://tools.example/a/b/~user'
 * ```
 */
export function normalizeHtu(url: string): string {
  if (typeof url !== 'string' || url.length > 8192) throw new MalformedInputError('htu is not a URL string of at most 8,192 characters', { check: 'htu' });
  const seen = url.length <= MAX_KEPT_CHARS ? normalized.get(url) : undefined;
  if (seen !== undefined) return seen;
  const result = normalize(url);
  if (url.length <= MAX_KEPT_CHARS) normalized.set(url, result);
  return result;
}

// URLs normalized before, by their exact text (a function of the text alone): each request
// normalizes its proof's `htu` and its own URL, and parsing a URL costs about a microsecond.
const MAX_KEPT = 1024;
const MAX_KEPT_CHARS = 2048;
const normalized = new BoundedMap<string, string>(MAX_KEPT);

function normalize(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MalformedInputError('htu is not an absolute URL', { check: 'htu' });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new MalformedInputError('htu is not an http(s) URL', { check: 'htu' });
  if (parsed.username !== '' || parsed.password !== '') throw new MalformedInputError('htu carries user information', { check: 'htu' });
  // WHATWG URL already lower-cases scheme and host, drops default ports and dot segments.
  const path = parsed.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_match: string, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${parsed.protocol}//${parsed.host}${path === '' ? '/' : path}`;
}
