import { readFileSync } from 'node:fs';
import type { Answer, Vectors } from './protocol.js';

/** packages/runtimes/test/vectors/vectors.json */
export function loadVectors(): Vectors {
  return JSON.parse(readFileSync(new URL('../test/vectors/vectors.json', import.meta.url), 'utf8')) as Vectors;
}

/**
 * The answer every runtime must give to each check of `runtime/checks.ts`, by check name.
 * A refusal is matched on its `code` (and `check` where the vector names one).
 */
export function expectedAnswers(v: Vectors): Map<string, Answer> {
  const expected = new Map<string, Answer>();
  for (const j of v.jws) {
    for (const path of ['', '-async']) {
      expected.set(`jws:${j.name}:verify${path}`, { value: true });
      expected.set(`jws:${j.name}:tampered${path}`, { error: { code: 'invalid_signature' } });
      if (j.signWith) expected.set(`jws:${j.name}:sign${path}`, { value: j.jws });
    }
  }
  for (const j of v.jcs) expected.set(`jcs:${j.name}`, { value: j.canonical });
  for (const d of v.didKey) {
    expected.set(`did-key:${d.did}`, d.jwk ? { value: d.jwk } : { error: { code: d.code ?? '', ...(d.check ? { check: d.check } : {}) } });
  }
  for (const b of v.biscuit) {
    expected.set(`biscuit:${b.name}:allow`, { value: b.allowed });
    for (const t of b.tampered) expected.set(`biscuit:${b.name}:tampered:${t.why}`, { error: { code: t.code, check: t.check } });
    for (const d of b.denied) expected.set(`biscuit:${b.name}:deny:${d.why}`, { error: { code: d.code, check: d.check } });
  }
  for (const c of v.cards) {
    expected.set(`card:${c.name}:verify`, { value: c.signers });
    expected.set(`card:${c.name}:tampered`, { error: { code: 'invalid_signature' } });
    if (c.signWith) expected.set(`card:${c.name}:sign`, { value: c.card });
  }
  return expected;
}
