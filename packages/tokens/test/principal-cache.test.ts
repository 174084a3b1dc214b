import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { principalProblem, validatePrincipal } from '../src/model.js';

const outcome = (value: unknown): string => {
  try {
    validatePrincipal(value, 'on-behalf-of');
    return 'accepted';
  } catch (error) {
    return (error as { code?: string; check?: string }).code + '/' + (error as { check?: string }).check;
  }
};

// Accepted principals are remembered by their text: a principal's verdict must not depend on
// what was seen before it, nor on how often it was seen.
describe('validatePrincipal remembers accepted principals', () => {
  it('every string gets the same verdict first and again, and the verdict of principalProblem', () => {
    const part = fc.constantFrom('alice', ' ', 'e\u0301', '\u00e9', '\u0000', 'did:key:', 'did:web:acme.example', '#x', '\ud800', 'Bob');
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.array(part, { maxLength: 4 }).map((p) => p.join('')));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 12 }), (values) => {
        const first = values.map(outcome);
        const again = values.map(outcome);
        expect(again).toEqual(first);
        expect(first).toEqual(values.map((v) => (principalProblem(v) === undefined ? 'accepted' : 'malformed_input/principal')));
      }),
      { numRuns: 500 },
    );
  });

  it('a spelling close to an accepted one is still refused', () => {
    expect(outcome('alice')).toBe('accepted');
    expect(outcome(' alice')).toBe('malformed_input/principal');
    expect(outcome('alice ')).toBe('malformed_input/principal');
    expect(outcome('caf\u00e9')).toBe('accepted');
    expect(outcome('cafe\u0301')).toBe('malformed_input/principal');
    for (const junk of [undefined, null, 1, {}, [], '']) expect(outcome(junk)).toBe('malformed_input/principal');
  });
});
