import fc from 'fast-check';
import { expect, it } from 'vitest';
import { formPairs } from '../src/form.js';

// The token endpoint reads its form without URLSearchParams' per-character cost; what it reads
// must be exactly what URLSearchParams reads, for any body: escapes of UTF-8 and of what is
// not UTF-8 (a surrogate, a lone lead byte, an overlong form, beyond U+10FFFF) among them.
const part = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '_', '.', '~', '%', '+', '=', '&', '?', ' ', '%2', '%41', '%zz', '%E2%82%AC', '%e2%82%ac', '%C3%A9', '%F0%9F%98%80', '%EF%BB%BF', '%2B', '%25', '%ED%A0%80', '%C3', '%FF', '%C0%AF', '%F4%90%80%80', '€', '\uD800', '#', '/', '\n'), maxLength: 30 });

it('reads every body exactly as URLSearchParams does', () => {
  fc.assert(
    fc.property(fc.oneof(part, fc.string({ unit: 'binary', maxLength: 60 }), fc.array(fc.tuple(part, part)).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join('&'))), (body) => {
      expect(formPairs(body)).toEqual([...new URLSearchParams(body)]);
    }),
    { numRuns: 3000 },
  );
});

it('keeps base64url tokens and JWTs as they are, and decodes what is encoded', () => {
  expect(formPairs('subject_token=eyJhbGciOi.eyJzdWIi.c2ln&scope=orders.read+orders.write&resource=https%3A%2F%2Fapi.example%2F')).toEqual([
    ['subject_token', 'eyJhbGciOi.eyJzdWIi.c2ln'],
    ['scope', 'orders.read orders.write'],
    ['resource', 'https://api.example/'],
  ]);
});
