import { base64urlDecode } from '@agent-id/core';
import { bytesToUtf8, isRecord } from '@agent-id/core/internal';

/** A JWT's protected header and claims, as read before its signature is checked: nothing in them is verified yet. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

function segment(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytesToUtf8(base64urlDecode(text)));
  } catch {
    return undefined;
  }
  return isRecord(value) ? value : undefined;
}

/**
 * @internal The header and claims of a JWS compact serialization with a JSON payload: three
 * dot-separated segments, the first two canonical unpadded base64url of UTF-8 JSON objects.
 * Read once each (jose's `decodeProtectedHeader` and `decodeJwt` read the token twice), more
 * strictly than jose (which also takes padding, white space and invalid UTF-8). Undefined
 * when the token is not that; the caller refuses it with its own code.
 */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) !== -1) return undefined;
  const header = segment(token.slice(0, first));
  const claims = header === undefined ? undefined : segment(token.slice(first + 1, second));
  return claims === undefined ? undefined : { header: header as Record<string, unknown>, claims };
}
