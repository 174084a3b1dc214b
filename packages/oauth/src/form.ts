import { InputTooLargeError, MalformedInputError } from '@agent-id/core';

/** Parameters that RFC 8693 lets a request repeat. */
const REPEATABLE = new Set(['resource', 'audience']);
const MAX_BODY = 65_536;

/** The parameters of a token request: each once, except `resource` and `audience`. */
export interface TokenRequestParams {
  one(name: string): string | undefined;
  all(name: string): string[];
}

/**
 * @internal Reads an `application/x-www-form-urlencoded` body (RFC 6749 §3.2): size-limited,
 * every parameter at most once except the repeatable ones, no empty values.
 */
export function parseTokenForm(body: string): TokenRequestParams {
  if (body.length > MAX_BODY) throw new InputTooLargeError(`the request body is larger than ${MAX_BODY} bytes`, { check: 'body' });
  const params = new URLSearchParams(body);
  const seen = new Map<string, string[]>();
  for (const [name, value] of params) {
    const list = seen.get(name) ?? [];
    if (list.length > 0 && !REPEATABLE.has(name)) throw new MalformedInputError(`the "${name.slice(0, 40)}" parameter is sent more than once`, { check: 'parameters' });
    if (list.length >= 16) throw new MalformedInputError(`too many "${name}" parameters`, { check: 'parameters' });
    list.push(value);
    seen.set(name, list);
  }
  return {
    one(name) {
      const value = seen.get(name)?.[0];
      // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
      return value === '' ? undefined : value;
    },
    all(name) {
      return (seen.get(name) ?? []).filter((v) => v !== '');
    },
  };
}
