import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authorize } from '../src/index.js';
import { appendWithWasm, ourVerdict, wasmConverts } from './envelope.js';
import { AUD, chainOf, clock, dids, orgKey } from './helpers.js';

// A holder narrows its token with stock Biscuit tools: biscuit-wasm writes a first-party
// block from Datalog source, declaring the version its features need. Whatever check source
// biscuit-wasm accepts, the block it writes is read here (not refused as malformed), and
// `authorize` decides it with a code. Before, a `check all` with an array (a block declaring
// Datalog 3.1) was refused as malformed. What `authorize` allows, biscuit-wasm's Datalog
// allows too.

const value = fc.constantFrom(
  '1',
  '-7',
  '4294967296',
  '"a"',
  '"files:/r"',
  '2030-01-01T00:00:00Z',
  'true',
  'hex:00ff',
  '{1, 2}',
  '{"a", "b"}',
  '[1, 2]',
  '[1, [2, "x"]]',
  '["a", null]',
  '{"a": 1}',
  '{1: "x", "k": [1]}',
  'null',
);
const comparison = fc.tuple(value, fc.constantFrom('==', '!=', '===', '!=='), value).map(([a, op, b]) => `${a} ${op} ${b}`);
const method = fc.constantFrom(
  '{1, 2}.contains(1)',
  '[1, 2].contains(1)',
  '{"a": 1}.contains("a")',
  '"abc".starts_with("a")',
  '"abc".ends_with("c")',
  '"abc".length() == 3',
  '[1, 2].length() == 2',
  '$t.type() == "date"',
  '"abc".matches("a.*")',
  '{"a": 1}.get("a") == 1',
  '[1, 2].get(0) == 1',
  '[1, 2].all($x -> $x > 0)',
  '{1, 2}.any($x -> $x == 2)',
  '1 + 2 == 3',
  '(5 & 3) == 1',
  '{1, 2}.union({3}).length() == 3',
  '!false',
  '$t.try_or(1) == $t',
  '(1 / 0).try_or(true)',
);
const time = fc.constantFrom('$t < 2100-01-01T00:00:00Z', '$t <= 2100-01-01T00:00:00Z', '$t > 2000-01-01T00:00:00Z');
const simple = fc.oneof(comparison, method, time);
const expression = fc.oneof(simple, fc.tuple(simple, fc.constantFrom('&&', '||'), simple).map(([a, op, b]) => `${a} ${op} ${b}`));
const check = fc
  .tuple(fc.constantFrom('check if', 'check all', 'reject if'), fc.constantFrom('', ', resource($r)', ', operation($o)'), fc.array(expression, { minLength: 1, maxLength: 2 }))
  .map(([kind, extra, exprs]) => `${kind} time($t)${extra}, ${exprs.join(', ')};`);

describe('check blocks biscuit-wasm writes', () => {
  it('are read whatever their source; authorize decides them with a code, and allows only what Datalog allows', async () => {
    const parent = await chainOf('biscuit', 2);
    let written = 0;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(check, { minLength: 1, maxLength: 3 }), async (checks) => {
        const code = checks.join('\n');
        let bytes: Uint8Array;
        try {
          bytes = (await appendWithWasm(parent, code)).toBytes();
        } catch {
          return; // not Datalog biscuit-wasm writes
        }
        written++;
        expect({ code, converts: await wasmConverts(bytes) }).toEqual({ code, converts: true });
        expect({ code, read: ourVerdict(bytes) }).toEqual({ code, read: 'accepted' });
        const decide = async (datalog: boolean): Promise<string> => {
          try {
            await authorize(Buffer.from(bytes).toString('base64url'), {
              request: { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD },
              presenter: dids[2]!,
              trustedRoots: orgKey.publicKey,
              clock,
              datalog,
            });
            return 'allowed';
          } catch (error) {
            const { code: refusal, check: which } = error as { code?: unknown; check?: unknown };
            expect(typeof refusal).toBe('string');
            return `${String(refusal)}/${String(which)}`;
          }
        };
        const decided = await decide(false);
        outcomes.set(decided, (outcomes.get(decided) ?? 0) + 1);
        // What this package allows deciding the checks itself, biscuit-wasm's Datalog allows
        // too (with `datalog`, it runs after the checks this package decided).
        if (decided === 'allowed') expect({ code, datalog: await decide(true) }).toEqual({ code, datalog: 'allowed' });
      }),
      { numRuns: 300 },
    );
    expect(written).toBeGreaterThan(50);
    // The checks are decided, not refused wholesale: some allow, some deny.
    expect([...outcomes.keys()].some((k) => k === 'allowed')).toBe(true);
    expect([...outcomes.keys()].some((k) => k.startsWith('denied/'))).toBe(true);
  }, 300_000);
});
