import { AgentIdError, KeyPair } from '@agent-id/core';
import fc from 'fast-check';
import macaroonLib from 'macaroon';
import { describe, expect, it } from 'vitest';
import { datalogRefusal, datalogRuns } from '../src/biscuit/authorize.js';
import { HOP_CODE, dateParam, scopeParams } from '../src/biscuit/datalog.js';
import type { SignedBlockView } from '../src/biscuit/proto/envelope.js';
import { blockPayload } from '../src/biscuit/signatures.js';
import { type AuthorizeOptions, CapabilityToken, MemoryRevocationStore, attenuate, authorize, inspectToken, verifyChain } from '../src/index.js';
import { exportBinary } from '../src/macaroon/codec.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { appendWithWasm, envelopeOf, proofOf, tokenOf, wasmAccepts } from './envelope.js';
import { AUD, NOW, agents, chainOf, clock, dids, issuedAtParam, mint, orgKey, rootSecret } from './helpers.js';
import { encode, fieldsOf } from './protobuf.js';

// Stock narrowing (issue #14): a holder appends a restriction to its own token with the
// format's own library, not with `attenuate` — a Biscuit block of checks with
// biscuit-wasm's `appendBlock`, a Macaroon caveat with the macaroon library's
// `addFirstPartyCaveat`. It is accepted, enforced (`denied`, check `first_party_check`,
// naming the check), decided natively as Datalog decides it, and can never widen the
// token or change who holds it.

const request = { resource: 'files:/reports/q3/a.pdf', action: 'read', audience: AUD, task: 'task-q3' };
const at = (seconds: number) => () => seconds * 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
// Datalog's default 50 ms can run out on a loaded machine, which is no decision: the
// differential comparisons give it time. (The `datalog: true` runs keep the defaults.)
const GENEROUS = { ...DEFAULT_LIMITS, maxDatalogMicros: 2_000_000 };
const bOpts = (presenter: string, extra: Partial<AuthorizeOptions> = {}): AuthorizeOptions => ({ request, presenter, clock, trustedRoots: orgKey.publicKey, ...extra });
const mOpts = (presenter: string, extra: Partial<AuthorizeOptions> = {}): AuthorizeOptions => ({ request, presenter, clock, rootSecrets: rootSecret, ...extra });

async function outcome(token: CapabilityToken | string, options: AuthorizeOptions): Promise<{ code: string; check: string; message?: string }> {
  try {
    await authorize(token, options);
    return { code: 'passed', check: '' };
  } catch (error) {
    if (!(error instanceof AgentIdError)) throw error;
    return { code: error.code, check: error.check, message: error.message };
  }
}

/** The macaroon with `caveat` appended by the macaroon library itself (`addFirstPartyCaveat`). */
function withCaveat(token: CapabilityToken, caveat: string): CapabilityToken {
  const m = macaroonLib.importMacaroon(token.toBytes());
  m.addFirstPartyCaveat(caveat);
  return CapabilityToken.fromBytes('macaroon', exportBinary(m));
}

describe('Biscuit: a block of checks appended with biscuit-wasm’s appendBlock', () => {
  it('on a minted token: accepted while the check holds, refused (denied, first_party_check, naming it) once it does not; Datalog agrees', async () => {
    const limit = NOW + 600;
    // Stock code as a holder writes it, text only.
    const token = await appendWithWasm(await mint('biscuit'), `check if time($t), $t < ${iso(limit)};`);
    expect(envelopeOf(token).blocks.map((b) => b.version)).toEqual([1, 1]);
    for (const datalog of [false, true]) {
      expect(await outcome(token, bOpts(dids[0]!, { datalog, clock: at(limit - 1), limits: GENEROUS }))).toMatchObject({ code: 'passed' });
      const refused = await outcome(token, bOpts(dids[0]!, { datalog, clock: at(limit), limits: GENEROUS }));
      expect(refused).toMatchObject({ code: 'denied', check: 'first_party_check' });
      expect(refused.message).toContain(`check if time($t), $t < ${iso(limit)}`);
    }
    expect(await datalogRefusal(token, request, limit, orgKey.publicKey, GENEROUS)).toMatchObject({ code: 'denied', check: 'datalog' });
    expect(await datalogRefusal(token, request, limit - 1, orgKey.publicKey, GENEROUS)).toBeUndefined();
  });

  it('after the last hop and between hops: the delegate carries the check, the chain and holder are the signed hops’', async () => {
    const t1 = await chainOf('biscuit', 1);
    const narrowed = await appendWithWasm(t1, 'check if resource($r), $r.starts_with("files:/reports/q3/");');
    expect(await outcome(narrowed, bOpts(dids[1]!))).toMatchObject({ code: 'passed' });
    expect(await outcome(narrowed, bOpts(dids[1]!, { request: { ...request, resource: 'files:/reports/q4/b.pdf' } }))).toMatchObject({ code: 'denied', check: 'first_party_check' });
    // The holder delegates on after its own block: the hop binds the check block's signature.
    const t2 = await attenuate(narrowed, { to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey, clock });
    const result = await authorize(t2, bOpts(dids[2]!));
    expect(result.chain.map((h) => h.to)).toEqual([dids[0], dids[1], dids[2]]);
    // The allow record says the holder's check was decided.
    expect(result.record.reason).toContain('; 1 holder-appended first-party check(s) held');
    expect(result.revocationIds).toHaveLength(3);
    expect(result.blockRevocationIds).toHaveLength(4);
    expect(await outcome(t2, bOpts(dids[2]!, { request: { ...request, resource: 'files:/reports/q4/b.pdf' } }))).toMatchObject({ code: 'denied', check: 'first_party_check' });
    expect(await outcome(t2, bOpts(dids[1]!))).toMatchObject({ code: 'holder_mismatch' });
    const view = await inspectToken(t2, { trustedRoots: orgKey.publicKey });
    expect(view.blocks.map((b) => b.kind)).toEqual(['authority', 'hop', 'checks', 'hop']);
    // Hops by hop, blocks by block: the check block is no hop.
    expect(view.revocationIds).toEqual(result.revocationIds);
    expect(view.blocks.map((b) => b.revocationId)).toEqual([result.revocationIds[0], result.revocationIds[1], result.blockRevocationIds[2], result.revocationIds[2]]);
    expect(view.text).toContain(`[1] hop (revocation id ${result.revocationIds[1]}; Biscuit block id ${result.blockRevocationIds[1]})`);
    expect(view.blocks[2]!.source).toEqual(['check if resource($r), $r.starts_with("files:/reports/q3/");']);
    // A check block's Biscuit id revokes the token it is in.
    const store = new MemoryRevocationStore();
    await store.revoke({ kind: 'token', id: result.blockRevocationIds[2]! });
    expect(await outcome(t2, bOpts(dids[2]!, { revocations: store }))).toMatchObject({ code: 'revoked', check: 'revocation_token' });
  });

  it('stock checks over operation, audience, task, the authority’s facts (never a hop’s: a third-party block’s facts are out of a block’s scope); reject if; check all; or', async () => {
    const t1 = await chainOf('biscuit', 1);
    const cases: Array<[string, Partial<typeof request> & { task?: string }, boolean]> = [
      ['check if operation("read");', {}, true],
      ['check if operation("read");', { action: 'write' }, false],
      ['check if audience($a), $a == "did:web:files.example";', {}, true],
      ['check if task("task-q3");', {}, true],
      ['check if task("task-q3");', { task: undefined }, false],
      ['reject if resource($r), $r.ends_with(".pdf");', {}, false],
      ['reject if resource($r), $r.ends_with(".exe");', {}, true],
      ['check all operation($o), {"read", "list"}.contains($o);', {}, true],
      ['check if operation("write") or operation("read");', {}, true],
      ['check if time($t), resource($r), $t < 2100-01-01T00:00:00Z && !$r.contains("secret");', {}, true],
      ['check if true;', {}, true],
      ['check if false;', {}, false],
      ['reject if true;', {}, false],
      ['check if resource($r), $r.type() == "string", $r.length() == 23;', {}, true],
      ['check if hop_scope(0, $exact, $prefixes, $actions, $aud, $exp, $depth), $actions.contains("write");', {}, true],
      ['check if authority($issuer, $holder, $obo, $task), $holder == "did:web:nobody.example";', {}, false],
      ['check if hop($i, $f, $t, $p);', {}, false],
    ];
    for (const [code, change, allowed] of cases) {
      const token = await appendWithWasm(t1, code);
      const req = { ...request, ...change };
      if (change.task === undefined && 'task' in change) delete (req as { task?: string }).task;
      const native = await outcome(token, bOpts(dids[1]!, { request: req }));
      const wasm = await datalogRefusal(token, req, NOW, orgKey.publicKey, GENEROUS);
      expect({ code, native: native.code }).toEqual({ code, native: allowed ? 'passed' : 'denied' });
      expect({ code, wasm: wasm === undefined }).toEqual({ code, wasm: allowed });
    }
  });
});

describe('differential: the native decision equals biscuit-wasm’s Datalog decision on tokens carrying check blocks', () => {
  type Param = string | number | { date: string } | { set: string[] };
  interface Piece {
    facts: string[];
    text: string;
    params: Record<string, Param>;
  }
  const RESOURCES = ['files:/reports/q3/a.pdf', 'db:orders', 'files:/reports/x', 'files:/other'];
  const PREFIXES = ['files:/', 'files:/reports/', 'db:', 'x', ''];
  const ACTIONS = ['read', 'write', 'delete'];
  const AUDIENCES = [AUD, 'did:web:b.example'];
  const TASKS = ['task-q3', 'other'];
  const OFFSETS = [-60, 0, 1, 30, 600, 5000];
  let counter = 0;
  const p = () => `p${counter++}`;
  const date = (offset: number): Param => dateParam(NOW + offset);

  /** One condition over one request fact: its predicate, an expression and its parameters. */
  const atom: fc.Arbitrary<Piece> = fc.oneof(
    fc.tuple(fc.constantFrom('<', '<=', '>', '>=', '==', '!=', '===', '!=='), fc.constantFrom(...OFFSETS)).map(([op, off]) => {
      const n = p();
      return { facts: ['time($t)'], text: `$t ${op} {${n}}`, params: { [n]: date(off) } };
    }),
    fc.tuple(fc.constantFrom('==', '!=', '===', '!==', 'starts_with', 'ends_with', 'contains'), fc.constantFrom(...RESOURCES, ...PREFIXES, '.pdf')).map(([op, v]) => {
      const n = p();
      return { facts: ['resource($r)'], text: /^[a-z]/.test(op) ? `$r.${op}({${n}})` : `$r ${op} {${n}}`, params: { [n]: v } };
    }),
    fc.subarray(RESOURCES, { minLength: 1 }).map((set) => {
      const n = p();
      return { facts: ['resource($r)'], text: `{${n}}.contains($r)`, params: { [n]: { set } } };
    }),
    fc.subarray(PREFIXES, { minLength: 1 }).map((set) => {
      const n = p();
      return { facts: ['resource($r)'], text: `{${n}}.any($x -> $r.starts_with($x))`, params: { [n]: { set } } };
    }),
    fc.integer({ min: 0, max: 30 }).map((len) => {
      const n = p();
      return { facts: ['resource($r)'], text: `$r.length() < {${n}}`, params: { [n]: len } };
    }),
    fc.tuple(fc.constantFrom('action($a)', 'operation($a)'), fc.subarray(ACTIONS, { minLength: 1 })).map(([fact, set]) => {
      const n = p();
      return { facts: [fact], text: `{${n}}.contains($a)`, params: { [n]: { set } } };
    }),
    fc.constantFrom(...AUDIENCES).map((v) => {
      const n = p();
      return { facts: ['audience($u)'], text: `$u == {${n}}`, params: { [n]: v } };
    }),
    fc.constantFrom(...TASKS).map((v) => {
      const n = p();
      return { facts: ['task($k)'], text: `$k == {${n}}`, params: { [n]: v } };
    }),
  );
  /** An expression: one condition, a negated one, or two joined by `&&` or `||`. */
  const expression: fc.Arbitrary<Piece> = fc.oneof(
    atom,
    atom.map((a) => ({ ...a, text: `!(${a.text})` })),
    fc.tuple(atom, atom, fc.constantFrom('&&', '||')).map(([a, b, op]) => ({ facts: [...a.facts, ...b.facts], text: `${a.text} ${op} ${b.text}`, params: { ...a.params, ...b.params } })),
  );
  const query = fc.array(expression, { minLength: 1, maxLength: 2 }).map((pieces) => ({
    text: [...new Set(pieces.flatMap((x) => x.facts)), ...pieces.map((x) => x.text)].join(', '),
    params: Object.assign({}, ...pieces.map((x) => x.params)) as Record<string, Param>,
  }));
  const check = fc.tuple(fc.constantFrom('check if', 'check all', 'reject if'), fc.array(query, { minLength: 1, maxLength: 2 })).map(([kind, queries]) => ({
    text: `${kind} ${queries.map((q) => q.text).join(' or ')};`,
    params: Object.assign({}, ...queries.map((q) => q.params)) as Record<string, Param>,
  }));
  const block = fc.array(check, { minLength: 1, maxLength: 2 }).map((checks) => ({ code: checks.map((c) => c.text).join('\n'), params: Object.assign({}, ...checks.map((c) => c.params)) as Record<string, Param> }));

  it('allowed natively exactly when biscuit-wasm allows', async () => {
    const seen = { allowed: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(block, { minLength: 1, maxLength: 2 }),
        fc.boolean(),
        fc.record({
          resource: fc.constantFrom(...RESOURCES),
          action: fc.constantFrom(...ACTIONS, 'read', 'read'),
          audience: fc.constantFrom(AUD, AUD, 'did:web:b.example'),
          task: fc.constantFrom(undefined, 'task-q3', 'other'),
        }),
        fc.constantFrom(-100, 0, 1, 29, 30, 31, 599, 600, 4999, 6000),
        async (blocks, hopBetween, req, elapsed) => {
          let token = await mint('biscuit', { resources: ['files:/*', 'db:orders'], actions: [...ACTIONS], audience: [...AUDIENCES], expiresAt: NOW + 7200 });
          let holder = 0;
          for (const [i, b] of blocks.entries()) {
            token = await appendWithWasm(token, b.code, b.params);
            if (hopBetween && i === 0) {
              token = await attenuate(token, { to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, clock });
              holder = 1;
            }
          }
          const now = NOW + elapsed;
          const r = req.task === undefined ? { resource: req.resource, action: req.action, audience: req.audience } : { ...req, task: req.task };
          const native = await outcome(token, { request: r, presenter: dids[holder]!, clock: at(now), trustedRoots: orgKey.publicKey });
          const wasm = await datalogRefusal(token, r, now, orgKey.publicKey, GENEROUS);
          expect({ blocks: blocks.map((b) => b.code), native: native.code === 'passed', wasm: wasm?.message }).toEqual({ blocks: blocks.map((b) => b.code), native: wasm === undefined, wasm: wasm?.message });
          if (native.code !== 'passed') expect(['denied', 'expired', 'not_yet_valid', 'wrong_audience', 'wrong_task']).toContain(native.code);
          expect(native.check).not.toBe('unsupported_check');
          seen[wasm === undefined ? 'allowed' : 'refused']++;
        },
      ),
      // CHECK_RUNS=2000 for a longer search.
      { numRuns: Number(process.env.CHECK_RUNS ?? 120) },
    );
    expect(seen.allowed).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 180_000);
});

describe('attacks: a first-party block can only refuse', () => {
  const leaf = { resources: ['files:/*'], actions: ['read', 'write', 'delete'], audience: [AUD], expiresAt: NOW + 9999, maxDepth: 5 };

  it('a first-party block stating a hop to a new agent is refused (check_block): it cannot change the holder', async () => {
    const t1 = await chainOf('biscuit', 1);
    const ids = (await authorize(t1, bOpts(dids[1]!))).blockRevocationIds;
    // The thief (anyone holding t1's secret) states hop 2 to itself, as a plain block.
    const params = { index: 2, from: dids[1], to: dids[6], previous: { bytes: ids[1] }, issued_at: issuedAtParam, ...scopeParams(leaf) };
    for (const code of [HOP_CODE, 'hop({index}, {from}, {to}, {previous}, {issued_at});']) {
      const forged = await appendWithWasm(t1, code, Object.fromEntries(Object.entries(params).filter(([k]) => code.includes(`{${k}}`))));
      for (const presenter of [dids[6]!, dids[1]!]) {
        expect(await outcome(forged, bOpts(presenter))).toMatchObject({ code: 'malformed_input', check: 'check_block' });
      }
      await expect(verifyChain(forged, { trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'check_block' });
    }
  });

  it('an authority fact, any other fact, or a rule in a first-party block is refused (check_block)', async () => {
    const t1 = await chainOf('biscuit', 1);
    for (const code of [
      'authority("did:web:acme.example", "did:web:thief.example", "x", "task-q3");',
      'hop_scope(0, {"files:/secret"}, {"files:/"}, {"read", "admin"}, {"did:web:files.example"}, 2100-01-01T00:00:00Z, 9);',
      'right("files:/secret", "read");',
      'resource("files:/reports/q3/a.pdf") <- time($t);',
      'check if time($t), $t < 2100-01-01T00:00:00Z;\nextra(1);',
    ]) {
      const token = await appendWithWasm(t1, code);
      expect({ source: code, ...(await outcome(token, bOpts(dids[1]!))) }).toMatchObject({ source: code, code: 'malformed_input', check: 'check_block' });
    }
  });

  it('a check-only block appended by anyone holding the token changes neither the chain nor the holder', async () => {
    const t2 = await chainOf('biscuit', 2);
    const narrowed = await appendWithWasm(t2, 'check if time($t), $t < 2100-01-01T00:00:00Z;');
    const [a, b] = [await verifyChain(t2, { trustedRoots: orgKey.publicKey }), await verifyChain(narrowed, { trustedRoots: orgKey.publicKey })];
    expect(b.chain).toEqual(a.chain);
    expect(await outcome(narrowed, bOpts(dids[2]!))).toMatchObject({ code: 'passed' });
    for (const other of [dids[0]!, dids[1]!, dids[3]!]) expect(await outcome(narrowed, bOpts(other))).toMatchObject({ code: 'holder_mismatch' });
  });

  it('a check this verifier does not evaluate is refused (unsupported_check), before any Datalog run', async () => {
    const t1 = await chainOf('biscuit', 1);
    for (const code of [
      'check if resource($r), $r.matches("^files:");',
      'check if time($t), $t < 2100-01-01T00:00:00Z trusting authority;',
      'check if resource($r), $r.length() + 1 > 0;',
      'check if resource($r), ["files:/reports/q3/a.pdf"].contains($r);',
      'check if resource($r), $r != null;',
    ]) {
      const token = await appendWithWasm(t1, code);
      const before = datalogRuns.count;
      expect({ source: code, ...(await outcome(token, bOpts(dids[1]!, { datalog: true }))) }).toMatchObject({ source: code, code: 'denied', check: 'unsupported_check' });
      expect(datalogRuns.count).toBe(before);
    }
  });

  it('a check too costly to evaluate is refused (resource_limit) before any Datalog run', async () => {
    const t1 = await chainOf('biscuit', 1);
    const set = Array.from({ length: 200 }, (_, i) => `r${i}`);
    const token = await appendWithWasm(t1, 'check if {s}.all($a -> {s}.any($b -> $a == $b));', { s: { set } });
    const before = datalogRuns.count;
    expect(await outcome(token, bOpts(dids[1]!, { datalog: true }))).toMatchObject({ code: 'resource_limit', check: 'first_party_check' });
    expect(datalogRuns.count).toBe(before);
    // Many checks, each cheap, share one budget: comparing a 200-element set with itself 60
    // times costs too much together (whatever token size a verifier allows).
    const many = await appendWithWasm(t1, Array.from({ length: 60 }, () => 'check if {s} == {s};').join('\n'), { s: { set } });
    expect(await outcome(many, bOpts(dids[1]!, { datalog: true, limits: { maxTokenChars: 1_000_000 } }))).toMatchObject({ code: 'resource_limit', check: 'first_party_check' });
    expect(datalogRuns.count).toBe(before);
    // Five of them are within it.
    const few = await appendWithWasm(t1, Array.from({ length: 5 }, () => 'check if {s} == {s};').join('\n'), { s: { set } });
    expect(await outcome(few, bOpts(dids[1]!, { limits: { maxTokenChars: 1_000_000 } }))).toMatchObject({ code: 'passed' });
  });

  it('a block declaring a Datalog version below what its checks need is refused by both (check_block)', async () => {
    const t1 = await chainOf('biscuit', 1);
    const stock = envelopeOf(await appendWithWasm(t1, 'reject if resource("files:/secret");'));
    // The holder re-declares version 3 (reject if needs 6) and signs the block again.
    const data = encode(fieldsOf(stock.blocks[2]!.block).map((f) => (f.key[0] === 0x18 ? { ...f, data: Uint8Array.of(3) } : f)));
    const block: SignedBlockView = { ...stock.blocks[2]!, block: data };
    block.signature = KeyPair.fromSecretKey('Ed25519', proofOf(t1)).sign(blockPayload(block, stock.blocks[1]!));
    const token = tokenOf({ ...stock, blocks: [...stock.blocks.slice(0, 2), block] });
    // biscuit-wasm's parse checks signatures only; its authorizer reads the block and refuses it.
    expect(await wasmAccepts(token.toBytes())).toBe(true);
    await expect(datalogRefusal(token, request, NOW, orgKey.publicKey, GENEROUS)).rejects.toMatchObject({ code: 'malformed_input' });
    expect(await outcome(token, bOpts(dids[1]!))).toMatchObject({ code: 'malformed_input', check: 'check_block' });
  });
});

describe('Macaroon: a caveat appended with the macaroon library', () => {
  const limit = NOW + 600;

  it('time < RFC 3339: accepted before, refused at and after (denied, first_party_check, naming it)', async () => {
    const token = withCaveat(await chainOf('macaroon', 1), `time < ${iso(limit)}`);
    expect(await outcome(token, mOpts(dids[1]!, { clock: at(limit - 1) }))).toMatchObject({ code: 'passed' });
    const refused = await outcome(token, mOpts(dids[1]!, { clock: at(limit) }));
    expect(refused).toMatchObject({ code: 'denied', check: 'first_party_check' });
    expect(refused.message).toContain(`time < ${iso(limit)}`);
    const view = await inspectToken(token);
    expect(view.blocks.at(-1)!.source.at(-1)).toBe(`time < ${iso(limit)}`);
  });

  it('offsets and fractions: the limit is the instant named, rounded down to the second', async () => {
    const base = await chainOf('macaroon', 1);
    for (const text of [`time < ${iso(limit).replace('Z', '.999Z')}`, `time < ${iso(limit).toLowerCase()}`]) {
      const token = withCaveat(base, text);
      expect({ text, ...(await outcome(token, mOpts(dids[1]!, { clock: at(limit - 1) }))) }).toMatchObject({ text, code: 'passed' });
      expect({ text, ...(await outcome(token, mOpts(dids[1]!, { clock: at(limit) }))) }).toMatchObject({ text, code: 'denied' });
    }
    // 01:00 ahead of UTC: the local time one hour later names the same instant.
    const offset = withCaveat(base, `time < ${new Date((limit + 3600) * 1000).toISOString().slice(0, 19)}+01:00`);
    expect(await outcome(offset, mOpts(dids[1]!, { clock: at(limit - 1) }))).toMatchObject({ code: 'passed' });
    expect(await outcome(offset, mOpts(dids[1]!, { clock: at(limit) }))).toMatchObject({ code: 'denied', check: 'first_party_check' });
  });

  it('expires_at = N, the language’s own form, is the same restriction', async () => {
    const token = withCaveat(await chainOf('macaroon', 1), `expires_at = ${limit}`);
    expect(await outcome(token, mOpts(dids[1]!, { clock: at(limit - 1) }))).toMatchObject({ code: 'passed' });
    expect(await outcome(token, mOpts(dids[1]!, { clock: at(limit) }))).toMatchObject({ code: 'denied', check: 'first_party_check' });
  });

  it('holder binding holds: a hop after the caveat signs over it, the delegate is the holder, and the caveat stays enforced', async () => {
    const narrowed = withCaveat(await chainOf('macaroon', 1), `time < ${iso(limit)}`);
    const t2 = await attenuate(narrowed, { to: dids[2]!, signer: agents[1]!, clock });
    expect(await outcome(t2, mOpts(dids[2]!, { clock: at(limit - 1) }))).toMatchObject({ code: 'passed' });
    expect(await outcome(t2, mOpts(dids[1]!, { clock: at(limit - 1) }))).toMatchObject({ code: 'holder_mismatch' });
    expect(await outcome(t2, mOpts(dids[2]!, { clock: at(limit) }))).toMatchObject({ code: 'denied', check: 'first_party_check' });
    expect((await verifyChain(t2, { rootSecrets: rootSecret })).chain.map((h) => h.to)).toEqual([dids[0], dids[1], dids[2]]);
    // A caveat after the last hop, by anyone holding the token, changes neither chain nor holder.
    const after = withCaveat(t2, `time < ${iso(limit)}`);
    expect(await outcome(after, mOpts(dids[2]!, { clock: at(limit - 1) }))).toMatchObject({ code: 'passed' });
    expect(await outcome(after, mOpts(dids[1]!, { clock: at(limit - 1) }))).toMatchObject({ code: 'holder_mismatch' });
  });

  it('malformed time caveats are malformed_input; every other unknown caveat is still refused', async () => {
    const base = await chainOf('macaroon', 1);
    for (const text of ['time < tomorrow', 'time < 2030-02-30T00:00:00Z', 'time < 2030-01-01T00:00:60Z', 'time < 2030-01-01 00:00:00Z', 'time <  2030-01-01T00:00:00Z', 'time < 1969-12-31T23:59:59Z']) {
      expect({ text, ...(await outcome(withCaveat(base, text), mOpts(dids[1]!))) }).toMatchObject({ text, code: 'malformed_input', check: 'caveat' });
    }
    for (const text of ['time > 2030-01-01T00:00:00Z', 'account = 3735928559', 'operation = "read"']) {
      const { code } = await outcome(withCaveat(base, text), mOpts(dids[1]!));
      expect({ text, code }).toEqual({ text, code: text.includes(' = ') ? 'denied' : 'malformed_input' });
    }
  });

  it('the caveat as the macaroon library itself appends it verifies with the macaroon library too', async () => {
    const token = withCaveat(await chainOf('macaroon', 1), `time < ${iso(limit)}`);
    const m = macaroonLib.importMacaroon(token.toBytes());
    const { tokenRootKey } = await import('../src/macaroon/keys.js');
    const { parseIdentifier } = await import('../src/macaroon/caveats.js');
    const key = tokenRootKey(rootSecret.secret, parseIdentifier(m.identifier).tid);
    const seen: string[] = [];
    macaroonLib.importMacaroon(token.toBytes()).verify(key, (c) => {
      seen.push(c);
      return null;
    });
    expect(seen.at(-1)).toBe(`time < ${iso(limit)}`);
  });
});
