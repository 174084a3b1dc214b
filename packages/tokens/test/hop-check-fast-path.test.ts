import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hopCheckOf, isHopCheck } from '../src/biscuit/datalog.js';
import { type CheckView, type OpView, type TermValue, readBlock } from '../src/biscuit/proto/block.js';
import { readEnvelope } from '../src/biscuit/proto/envelope.js';
import { AUD, NOW, chainOf } from './helpers.js';

// `isHopCheck` replaced, on every hop block of every verification, the structural
// comparison of the block's check with `hopCheckOf` built from the block's own facts. The
// comparison it replaced is kept here as the reference: the two must agree on every check.
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  const isArray = Array.isArray(a);
  if (isArray !== Array.isArray(b)) return false;
  if (isArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!same(x[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k in x) {
    if (!Object.hasOwn(y, k) || !same(x[k], y[k])) return false;
    keys++;
  }
  for (const _ in y) keys--;
  return keys === 0;
}

const slow = (check: CheckView, scope: readonly TermValue[], issuedAt: TermValue) => same(check, hopCheckOf(scope, issuedAt));

/** A deep copy, byte arrays copied too, so no answer can come from shared objects. */
function clone<T>(value: T): T {
  if (value instanceof Uint8Array) return Uint8Array.from(value) as T;
  if (Array.isArray(value)) return value.map(clone) as T;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)])) as T;
  return value;
}

async function hopBlocks() {
  const token = await chainOf('biscuit', 3, { resources: ['files:/reports/*', 'db:orders'], actions: ['read', 'write'], audience: [AUD, 'did:web:b.example'] });
  return readEnvelope(token.toBytes())
    .slice(1)
    .map((signed) => {
      const view = readBlock(signed.block);
      return { bytes: signed.block, view, scope: view.facts[1]!.terms, issuedAt: view.facts[0]!.terms[4]! };
    });
}

// Terms of every kind the reader makes, sets of them included.
const leafTerm: fc.Arbitrary<TermValue> = fc.oneof(
  fc.record({ kind: fc.constant('string' as const), value: fc.constantFrom('read', 'write', 'files:/reports/', 'db:orders', AUD, '', 'r') }),
  fc.record({ kind: fc.constant('integer' as const), value: fc.constantFrom(0, 1, 2, NOW) }),
  fc.record({ kind: fc.constant('date' as const), value: fc.constantFrom(NOW, NOW + 1, NOW + 3600, 0) }),
  fc.record({ kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('variable' as const), name: fc.constantFrom('r', 'a', 'aud', 't', 'l', 'p', 'x') }),
  fc.record({ kind: fc.constant('bool' as const), value: fc.boolean() }),
  fc.constant({ kind: 'other' as const }),
);
const term: fc.Arbitrary<TermValue> = fc.oneof(leafTerm, fc.record({ kind: fc.constant('set' as const), value: fc.array(leafTerm, { maxLength: 3 }) }));

// One change anywhere in a check, keeping the shapes the reader makes (each member its
// type; a term's or operation's kind only changed with the whole term): a string, a number
// or a term replaced, an element dropped from or repeated in a list, an `ffi` added to an
// operator.
type Edit = { path: number[]; kind: 'replace' | 'drop' | 'push' | 'ffi'; term: TermValue; text: string; n: number };
const edit: fc.Arbitrary<Edit> = fc.record({
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 9 }),
  kind: fc.constantFrom('replace', 'drop', 'push', 'ffi'),
  term,
  text: fc.constantFrom('r', 'a', 'p', 'l', 'query', 'resource', 'issue_limit', 'x'),
  n: fc.constantFrom(0, 1, 2, 5, 6, 24, 26, 27),
});

const isTerm = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && 'kind' in v && !('op' in v) && !('queries' in v);

function applyEdit(check: CheckView, e: Edit): CheckView {
  const root = clone(check) as unknown as Record<string, unknown>;
  let node: unknown = root;
  // Walk down by index into each node's members (objects by key order, arrays by position).
  for (const step of e.path.slice(0, -1)) {
    const children = Array.isArray(node) ? node : Object.values(node as object);
    const next = children.length === 0 ? undefined : children[step % children.length];
    if (typeof next !== 'object' || next === null || next instanceof Uint8Array) break;
    node = next;
  }
  const last = e.path.at(-1)!;
  if (Array.isArray(node)) {
    const at = last % Math.max(node.length, 1);
    if (e.kind === 'drop') node.splice(at, 1);
    else if (e.kind === 'push' && node.length > 0) node.splice(at, 0, clone(node[at]));
    else if (node.length > 0 && isTerm(node[at])) node[at] = clone(e.term);
    else if (node.length > 0 && typeof node[at] === 'string') node[at] = e.text;
    return root as unknown as CheckView;
  }
  const target = node as Record<string, unknown>;
  if (e.kind === 'ffi') {
    if (target.op === 'binary' || target.op === 'unary') target.ffi = e.text;
    return root as unknown as CheckView;
  }
  const keys = Object.keys(target).filter((k) => !(k === 'kind' && isTerm(target)) && k !== 'op');
  if (keys.length === 0) return root as unknown as CheckView;
  const key = keys[last % keys.length]!;
  const v = target[key];
  if (typeof v === 'string') target[key] = e.text;
  else if (typeof v === 'number') target[key] = e.n;
  else if (v instanceof Uint8Array) target[key] = Uint8Array.from([...v, e.n]);
  else if (Array.isArray(v)) target[key] = e.kind === 'drop' ? v.slice(1) : [...v, ...v.slice(0, 1).map(clone)];
  else if (isTerm(v)) target[key] = clone(e.term);
  return root as unknown as CheckView;
}

describe('a hop block\'s check compared without building the template', () => {
  it('every hop block attenuate writes: its check is its template, by both comparisons', async () => {
    for (const b of await hopBlocks()) {
      expect(b.view.checks).toHaveLength(1);
      expect(isHopCheck(b.view.checks[0]!, b.scope, b.issuedAt)).toBe(true);
      expect(slow(b.view.checks[0]!, b.scope, b.issuedAt)).toBe(true);
    }
  });

  it('any change anywhere in the check: the same answer as the structural comparison', async () => {
    const blocks = await hopBlocks();
    let changed = 0;
    fc.assert(
      fc.property(fc.nat(blocks.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), (which, edits) => {
        const b = blocks[which]!;
        const check = edits.reduce(applyEdit, b.view.checks[0]!);
        const want = slow(check, b.scope, b.issuedAt);
        if (!want) changed++;
        expect(isHopCheck(check, b.scope, b.issuedAt)).toBe(want);
      }),
      { numRuns: 3000 },
    );
    // Most edits change the check: the property is not only ever comparing equal checks.
    expect(changed).toBeGreaterThan(1000);
  });

  it('equal facts compare equal, different facts do not: the check of one block against the facts of another, or of random terms', async () => {
    const blocks = await hopBlocks();
    const scopeTerms = fc.tuple(fc.integer({ min: 0, max: 3 }), term, term, term, term, term, term);
    fc.assert(
      fc.property(fc.nat(blocks.length - 1), fc.option(scopeTerms), fc.option(term), fc.nat(blocks.length - 1), (which, randomScope, randomIssued, other) => {
        const b = blocks[which]!;
        const o = blocks[other]!;
        const scope = randomScope === null ? clone(o.scope) : [{ kind: 'integer' as const, value: randomScope[0] }, ...randomScope.slice(1)] as TermValue[];
        const issuedAt = randomIssued ?? clone(o.issuedAt);
        const check = clone(b.view.checks[0]!);
        const want = slow(check, scope, issuedAt);
        expect(isHopCheck(check, scope, issuedAt)).toBe(want);
        // The template built from any terms is recognised for exactly those terms.
        expect(isHopCheck(clone(hopCheckOf(scope, issuedAt)), scope, issuedAt)).toBe(true);
        expect(isHopCheck(clone(hopCheckOf(scope, issuedAt)), b.scope, b.issuedAt)).toBe(slow(hopCheckOf(scope, issuedAt), b.scope, b.issuedAt));
      }),
      { numRuns: 2000 },
    );
    // Different blocks of one chain carry equal scopes here (no narrowing) but not equal hop facts:
    // their checks are interchangeable exactly when the reference says so.
    expect(isHopCheck(blocks[0]!.view.checks[0]!, blocks[1]!.scope, blocks[1]!.issuedAt)).toBe(slow(blocks[0]!.view.checks[0]!, blocks[1]!.scope, blocks[1]!.issuedAt));
  });

  it('any flipped byte of a hop block: whatever the reader still reads, both comparisons agree on every check it finds', async () => {
    const blocks = await hopBlocks();
    let read = 0;
    fc.assert(
      fc.property(fc.nat(blocks.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, at, mask) => {
        const b = blocks[which]!;
        const bytes = Uint8Array.from(b.bytes);
        bytes[at % bytes.length]! ^= mask;
        let view: ReturnType<typeof readBlock>;
        try {
          view = readBlock(bytes);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('malformed_input');
          return;
        }
        read++;
        const hop = view.facts.find((f) => f.name === 'hop' && f.terms.length === 5);
        const scope = view.facts.find((f) => f.name === 'hop_scope' && f.terms.length === 7);
        for (const check of view.checks) {
          for (const [s, t] of [[scope?.terms ?? b.scope, hop?.terms[4] ?? b.issuedAt], [b.scope, b.issuedAt]] as const) {
            expect(isHopCheck(check, s, t)).toBe(slow(check, s, t));
          }
        }
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(100);
  });

  it('a hop_scope of fewer than seven terms is a caller\'s bug, as for hopCheckOf', async () => {
    const [b] = await hopBlocks();
    expect(() => isHopCheck(b!.view.checks[0]!, b!.scope.slice(0, 5), b!.issuedAt)).toThrow(TypeError);
    expect(() => hopCheckOf(b!.scope.slice(0, 5), b!.issuedAt)).toThrow(TypeError);
  });
});

// The reference must itself tell operators apart by their members (an `ffi` added is a change).
it('the reference comparison sees an added member', () => {
  const op: OpView = { op: 'binary', kind: 5 };
  expect(same(op, { op: 'binary', kind: 5 })).toBe(true);
  expect(same(op, { op: 'binary', kind: 5, ffi: 'x' })).toBe(false);
});
