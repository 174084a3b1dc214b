import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { LiveEvent } from '../src/live-event.js';
import { EMPTY, apply, readEvent } from '../src/page/live-tree.js';
import { visible } from '../src/page/visible.js';

// What must never reach the screen as itself: C0/C1 controls, bidi overrides and isolates,
// zero-width characters, line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\u{1bca0}-\u{1bca3}\u{e0000}-\u{e0fff}]|\p{Surrogate}/u;
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  // Beyond the BMP: tag characters, shorthand format controls, anything; and a lone surrogate.
  fc.string({ unit: fc.oneof(fc.integer({ min: 0xe0000, max: 0xe0fff }), fc.integer({ min: 0x1bca0, max: 0x1bca3 }), fc.integer({ min: 0x10000, max: 0x10ffff })).map((c) => String.fromCodePoint(c)), maxLength: 50 }),
  fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\ud800', '\udfff')).map(([a, b]) => a + b),
);

it('visible() leaves nothing invisible or reordering in what it shows', () => {
  fc.assert(
    fc.property(anyText, (s) => {
      expect(HIDDEN.test(visible(s))).toBe(false);
    }),
  );
});

it('visible() changes nothing in ordinary text (markup included) and keeps every other character in order', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...[...'ab <>&"\'/=éß中文🙂-_.:']) }), (s) => {
      expect(visible(s)).toBe(s);
    }),
  );
  fc.assert(
    fc.property(anyText, (s) => {
      const shown = visible(s);
      let at = 0;
      for (const c of s) {
        if (visible(c) !== c) continue;
        at = shown.indexOf(c, at);
        expect(at).toBeGreaterThanOrEqual(0);
        at += c.length;
      }
    }),
  );
});

it('readEvent() never throws on junk and returns only the known shapes', () => {
  const types = new Set(['section', 'delegate', 'refuse', 'decision', 'revoke', 'note']);
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (junk) => {
      const e = readEvent(typeof junk === 'string' ? junk : JSON.stringify(junk));
      if (e !== undefined) {
        expect(types.has(e.type)).toBe(true);
        expect(typeof e.seq).toBe('number');
        expect(typeof e.text).toBe('string');
      }
    }),
  );
});

const name = fc.constantFrom('acme', 'acme/a', 'acme/b', 'globex/c', 'globex/d', '<img src=x>');
const event: fc.Arbitrary<LiveEvent> = fc.oneof(
  fc.record({ type: fc.constant('delegate' as const), seq: fc.constant(0), from: name, to: name, format: fc.constantFrom('biscuit' as const, 'macaroon' as const), scope: anyText, text: anyText }),
  fc.record({ type: fc.constant('revoke' as const), seq: fc.constant(0), from: name, to: name, text: anyText }),
  fc.record({ type: fc.constant('refuse' as const), seq: fc.constant(0), from: name, to: name, code: fc.constant('denied'), text: anyText }),
  fc.record({ type: fc.constant('decision' as const), seq: fc.constant(0), decision: fc.constantFrom('allow' as const, 'deny' as const), chain: fc.array(name, { maxLength: 4 }), text: anyText }),
);

it('the tree built from any event sequence: edges only between its nodes, a revoke only on a known edge, replays ignored', () => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 60 }), (events) => {
      let tree = EMPTY;
      events.forEach((e, i) => {
        const before = tree;
        tree = apply(tree, { ...e, seq: i + 1 });
        // The same seq again (a reconnecting EventSource replays history) changes nothing.
        expect(apply(tree, { ...e, seq: i + 1 })).toBe(tree);
        if (e.type === 'revoke') {
          const edge = tree.edges.get(`${e.from}\u0000${e.to}`);
          expect(edge === undefined || edge.state === 'revoked').toBe(true);
          expect(tree.edges.size).toBe(before.edges.size);
        }
      });
      for (const edge of tree.edges.values()) {
        expect(tree.nodes).toContain(edge.from);
        expect(tree.nodes).toContain(edge.to);
      }
      expect(tree.log.length).toBe(events.length);
    }),
  );
});

it('a refused delegation adds an edge only where there was none: a revoked edge stays cut, a live one live', () => {
  const events: LiveEvent[] = [
    { type: 'delegate', seq: 1, from: 'acme', to: 'acme/orchestrator', format: 'biscuit', scope: 'read', text: '' },
    { type: 'delegate', seq: 2, from: 'acme/orchestrator', to: 'acme/researcher', format: 'macaroon', scope: 'read', text: '' },
    { type: 'revoke', seq: 3, from: 'acme/orchestrator', to: 'acme/researcher', text: '' },
    { type: 'refuse', seq: 4, from: 'acme/orchestrator', to: 'acme/researcher', code: 'revoked', check: 'credential_status', text: '' },
    { type: 'refuse', seq: 5, from: 'acme', to: 'acme/orchestrator', code: 'denied', text: '' },
    { type: 'refuse', seq: 6, from: 'acme/orchestrator', to: 'mallory/impostor', code: 'untrusted_signer', text: '' },
  ];
  const tree = events.reduce(apply, EMPTY);
  const state = (from: string, to: string) => [...tree.edges.values()].find((e) => e.from === from && e.to === to)?.state;
  expect(state('acme/orchestrator', 'acme/researcher')).toBe('revoked');
  expect(state('acme', 'acme/orchestrator')).toBe('live');
  expect(state('acme/orchestrator', 'mallory/impostor')).toBe('refused');
  expect(tree.refusals.get('acme/orchestrator')).toBe('untrusted_signer');
});
