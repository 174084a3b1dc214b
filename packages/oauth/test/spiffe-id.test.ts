import { expectCode, junkValues } from '@agent-id/test-support';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { parseSpiffeId, parseTrustDomain } from '../src/index.js';

it('parses valid SPIFFE IDs into trust domain and path', () => {
  expect(parseSpiffeId('spiffe://acme.example/ns/agents/sa/analyst')).toEqual({ id: 'spiffe://acme.example/ns/agents/sa/analyst', trustDomain: 'acme.example', path: '/ns/agents/sa/analyst' });
  expect(parseSpiffeId('spiffe://acme.example')).toMatchObject({ trustDomain: 'acme.example', path: '' });
  expect(parseSpiffeId('spiffe://192.168.0.1/Payments/web-fe_2.x')).toMatchObject({ trustDomain: '192.168.0.1', path: '/Payments/web-fe_2.x' });
  expect(parseSpiffeId(`spiffe://${'a'.repeat(255)}/x`).trustDomain).toHaveLength(255);
  expect(parseSpiffeId(`spiffe://t/${'p'.repeat(2048 - 'spiffe://t/'.length)}`).id).toHaveLength(2048);
});

it('refuses every SPIFFE ID the specification rules out, with its check', () => {
  const bad: Array<[string, string]> = [
    ['https://acme.example/x', 'spiffe_id'],
    ['SPIFFE://acme.example/x', 'spiffe_id'],
    ['spiffe:/acme.example/x', 'spiffe_id'],
    ['spiffe://', 'trust_domain'],
    ['spiffe:///path', 'trust_domain'],
    ['spiffe://Acme.example/x', 'trust_domain'],
    ['spiffe://acme.example:8443/x', 'trust_domain'],
    ['spiffe://user@acme.example/x', 'trust_domain'],
    ['spiffe://acme%2Eexample/x', 'trust_domain'],
    ['spiffe://[::1]/x', 'trust_domain'],
    [`spiffe://${'a'.repeat(256)}/x`, 'trust_domain'],
    ['spiffe://acme.example/x?y=1', 'spiffe_id'],
    ['spiffe://acme.example/x#frag', 'spiffe_id'],
    ['spiffe://acme.example?y', 'spiffe_id'],
    ['spiffe://acme.example/', 'spiffe_id'],
    ['spiffe://acme.example/x/', 'spiffe_id'],
    ['spiffe://acme.example//x', 'spiffe_id'],
    ['spiffe://acme.example/./x', 'spiffe_id'],
    ['spiffe://acme.example/x/..', 'spiffe_id'],
    ['spiffe://acme.example/a%20b', 'spiffe_id'],
    ['spiffe://acme.example/ä', 'spiffe_id'],
    ['spiffe://acme.example/a b', 'spiffe_id'],
    ['spiffe://acme.example/a\\b', 'spiffe_id'],
  ];
  for (const [id, check] of bad) expectCode(() => parseSpiffeId(id), 'malformed_input', check);
  expectCode(() => parseSpiffeId(`spiffe://t/${'p'.repeat(2048)}`), 'input_too_large', 'spiffe_id');
  for (const junk of junkValues) {
    if (typeof junk === 'string' && junk.startsWith('spiffe://')) continue;
    expect(() => parseSpiffeId(junk)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^(malformed_input|input_too_large)$/) }));
  }
  expectCode(() => parseTrustDomain(''), 'malformed_input', 'trust_domain');
});

const tdChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-_'.split(''));
const segChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_'.split(''));
const trustDomain = fc.string({ unit: tdChar, minLength: 1, maxLength: 40 });
const segment = fc.string({ unit: segChar, minLength: 1, maxLength: 12 }).filter((s) => s !== '.' && s !== '..');
// The grammar of SPIFFE-ID §2, written independently of the parser.
const REFERENCE = /^spiffe:\/\/[a-z0-9._-]{1,255}(\/[a-zA-Z0-9._-]+)*$/;
const refByReference = (s: string) => !REFERENCE.test(s) || s.length > 2048 || s.split('/').slice(3).some((x) => x === '.' || x === '..');

it('accepts every ID the grammar generates, and splits it back', () => {
  fc.assert(
    fc.property(trustDomain, fc.array(segment, { maxLength: 6 }), (td, segs) => {
      const id = `spiffe://${td}${segs.map((s) => `/${s}`).join('')}`;
      expect(parseSpiffeId(id)).toEqual({ id, trustDomain: td, path: segs.map((s) => `/${s}`).join('') });
    }),
  );
});

it('refuses exactly what the grammar refuses, for mutated and arbitrary strings', () => {
  const mutated = fc.tuple(trustDomain, fc.array(segment, { maxLength: 4 }), fc.string({ maxLength: 4 }), fc.nat(60)).map(([td, segs, insert, at]) => {
    const id = `spiffe://${td}${segs.map((s) => `/${s}`).join('')}`;
    const i = Math.min(at, id.length);
    return id.slice(0, i) + insert + id.slice(i);
  });
  fc.assert(
    fc.property(fc.oneof(mutated, fc.string(), fc.string().map((s) => `spiffe://${s}`)), (candidate) => {
      let refused = false;
      try {
        parseSpiffeId(candidate);
      } catch (error) {
        refused = true;
        expect(['malformed_input', 'input_too_large']).toContain((error as { code: string }).code);
      }
      expect(refused).toBe(refByReference(candidate));
    }),
    { numRuns: 2000 },
  );
});
