import { describe, expect, it } from 'vitest';
import { datalogRuns } from '../src/biscuit/authorize.js';
import { readChain } from '../src/biscuit/chain.js';
import { AUTHORITY_CODE, HOP_CODE, hopCheckOf, scopeParams } from '../src/biscuit/datalog.js';
import { wasmPrivateKey, } from '../src/biscuit/keys.js';
import { readBlock } from '../src/biscuit/proto/block.js';
import { readEnvelope } from '../src/biscuit/proto/envelope.js';
import { CapabilityToken, MemoryRevocationStore, attenuate, authorize, inspectToken } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { AUD, NOW, ORG, USER, agents, chainOf, clock, issuedAtParam, codeOf, dids, orgKey } from './helpers.js';
import { editSignedBlock, fieldNumber } from './protobuf.js';
import { appendHopWithWasm } from './envelope.js';

// A signed block's Datalog runs at every verification, and biscuit-wasm checks its time
// budget only after a check's join finishes: a holder-signed hop block with N facts and a
// three-way join froze the verifier for seconds (N=100) to minutes (N=400). Every block
// must now be exactly the template this package writes, checked in JavaScript before
// Datalog, and every cheap check runs before Datalog too.

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'task-q3' };
// With the Datalog run on, so each test can tell whether a refusal came before it; with a
// time budget a loaded machine cannot exhaust (the budget is not what these tests are about).
const opts = (presenter: string) => ({ request, presenter, clock, trustedRoots: orgKey.publicKey, datalog: true, limits: { maxDatalogMicros: 2_000_000 } });
const leaf = { resources: ['files:/reports/*'], actions: ['read'], audience: [AUD], expiresAt: NOW + 60, maxDepth: 0 };
const JOIN = 'check if a($x), a($y), a($z), $x + $y + $z == -1;';

async function mintWith(code: string): Promise<CapabilityToken> {
  const params = { issuer: ORG, holder: dids[0], on_behalf_of: USER, task: 'task-q3', issued_at: issuedAtParam, ...scopeParams({ ...leaf, maxDepth: 2, expiresAt: NOW + 3600 }) };
  const bytes = await withBiscuit((glue) => {
    const builder = glue.Biscuit.builder();
    builder.addCodeWithParameters(code, params, {});
    const key = wasmPrivateKey(glue, orgKey);
    const token = builder.build(key);
    const out = token.toBytes();
    for (const o of [token, key]) o.free();
    return out;
  });
  return CapabilityToken.fromBytes('biscuit', bytes);
}

/** The one-hop token and the parameters of a well-formed second hop (agent 1 to agent 2). */
async function oneHop(overrides = {}) {
  const token = await chainOf('biscuit', 1, overrides);
  const ids = (await authorize(token, opts(dids[1]!))).blockRevocationIds;
  return { token, params: { index: 2, from: dids[1], to: dids[2], previous: { bytes: ids[1] }, issued_at: issuedAtParam, ...scopeParams(leaf) } };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; check: string; runs: number }> {
  const before = datalogRuns.count;
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; check?: string };
    return { code: e.code ?? `uncoded: ${String(error)}`, check: e.check ?? '', runs: datalogRuns.count - before };
  }
  return { code: 'passed', check: '', runs: datalogRuns.count - before };
}

// Minimal protobuf surgery for blocks biscuit-wasm's builders cannot write (a block-level
// scope, a context): readChain is the gate, so it is exercised on the bytes directly.
/** The token with `extra` appended to block `index`'s payload (signatures no longer match). */
function withBlockExtra(bytes: Uint8Array, index: number, extra: number[]): Uint8Array {
  return editSignedBlock(bytes, index, (fields) => fields.map((g) => (fieldNumber(g) === 1 ? { ...g, data: Uint8Array.from([...g.data, ...extra]) } : g)));
}

function readError(bytes: Uint8Array): { code: string; check: string } {
  try {
    readChain(bytes, DEFAULT_LIMITS);
  } catch (error) {
    const e = error as { code: string; check: string };
    return { code: e.code, check: e.check };
  }
  return { code: 'passed', check: '' };
}

describe('the hop template agrees with biscuit-wasm', () => {
  it('the check biscuit-wasm compiles from HOP_CODE is the one rebuilt from the block own hop_scope', async () => {
    let token = await chainOf('biscuit', 0, { actions: ['read', 'write', 'delete', 'x-audit'], audience: [AUD, 'did:web:b.example'], resources: ['files:/reports/*', 'db:orders', 'db:x'] });
    const narrowings = [
      { actions: ['delete', 'read', 'x-audit'] },
      { resources: ['db:orders', 'files:/reports/*'], audience: ['did:web:b.example', AUD] },
      { resources: ['files:/reports/q3/*', 'files:/reports/q4/*'] },
      { expiresAt: NOW + 5 },
    ];
    for (const [i, narrowing] of narrowings.entries()) {
      token = await attenuate(token, { clock, to: dids[i + 1]!, signer: agents[i]!, trustedRoots: orgKey.publicKey, narrowing });
    }
    const blocks = readEnvelope(token.toBytes());
    expect(blocks).toHaveLength(5);
    for (const signed of blocks.slice(1)) {
      const view = readBlock(signed.block);
      expect(view.facts.map((f) => f.name)).toEqual(['hop', 'hop_scope']);
      expect(view.facts[0]!.terms[4]).toEqual({ kind: 'date', value: NOW });
      expect(view).toMatchObject({ rules: [], scopes: [], publicKeys: 0, context: false });
      expect(view.checks).toEqual([hopCheckOf(view.facts[1]!.terms, view.facts[0]!.terms[4]!)]);
    }
    expect(readBlock(blocks[0]!.block)).toMatchObject({ rules: [], checks: [], scopes: [], publicKeys: 0, context: false });
    expect((await authorize(token, { ...opts(dids[4]!), request: { ...request, resource: 'files:/reports/q3/a.pdf' }, clock: () => NOW * 1000 })).chain).toHaveLength(5);
  });

  it('a hop block built from HOP_CODE by hand is accepted (the template is the parameters, not attenuate)', async () => {
    const { token, params } = await oneHop();
    const crafted = await appendHopWithWasm(token, HOP_CODE, params, 1);
    await expect(authorize(crafted, opts(dids[2]!))).resolves.toBeTruthy();
  });
});

describe('a block that is not its template is refused before Datalog', () => {
  it('the join block (50 facts and a three-way join check) is refused as hop_block without a Datalog run', async () => {
    const { token, params } = await oneHop();
    const facts = Array.from({ length: 50 }, (_, i) => `a(${i});`).join('\n');
    const crafted = await appendHopWithWasm(token, `${HOP_CODE}\n${facts}\n${JOIN}`, params, 1);
    expect(await failure(authorize(crafted, opts(dids[2]!)))).toEqual({ code: 'malformed_input', check: 'hop_block', runs: 0 });
    // The delegate cannot extend it either, and inspectToken shows where it stops.
    expect(await failure(attenuate(crafted, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey }))).toMatchObject({ code: 'malformed_input', check: 'hop_block' });
    const view = await inspectToken(crafted, { trustedRoots: orgKey.publicKey });
    expect(view.chain).toHaveLength(2);
    expect(view.blocks[2]!.kind).toBe('unattributed');
    // Even with every other reason to refuse (revoked, expired, not the holder), still no Datalog run.
    const store = new MemoryRevocationStore();
    await store.revoke({ kind: 'agent', did: dids[1]! });
    const later = () => (NOW + 99_999) * 1000;
    expect(await failure(authorize(crafted, { ...opts('did:web:someone.else'), clock: later, revocations: store }))).toEqual({ code: 'malformed_input', check: 'hop_block', runs: 0 });
  });

  it('the join check alone, over the template facts, is refused', async () => {
    const { token, params } = await oneHop();
    const join = 'check if hop_scope($i, $e, $p, $a, $u, $x, $d), hop_scope($j, $e2, $p2, $a2, $u2, $x2, $d2), $i + $j == 99;';
    const crafted = await appendHopWithWasm(token, `${HOP_CODE}\n${join}`, params, 1);
    expect(await failure(authorize(crafted, opts(dids[2]!)))).toEqual({ code: 'malformed_input', check: 'hop_block', runs: 0 });
  });

  it('an extra rule, fact, check, or a scoped check is refused as hop_block', async () => {
    const { token, params } = await oneHop();
    const variants = [
      `${HOP_CODE}\nderived($x) <- hop($x, $f, $t, $p, $i);`,
      `${HOP_CODE}\nextra(1);`,
      `${HOP_CODE}\ncheck if time($t), $t < 2100-01-01T00:00:00Z;`,
      `${HOP_CODE}\nreject if resource("files:/secret");`,
      // The template's check, trusting the authority block: a scope the template does not have.
      HOP_CODE.replace(/;$/, ' trusting authority;'),
      // The template's check with a trusted public key.
      HOP_CODE.replace(/;$/, ` trusting ed25519/${'00'.repeat(32)};`),
      // `check all` instead of `check if`.
      HOP_CODE.replace('check if', 'check all'),
    ];
    for (const code of variants) {
      const crafted = await appendHopWithWasm(token, code, params, 1);
      expect(await failure(authorize(crafted, opts(dids[2]!))), code).toEqual({ code: 'malformed_input', check: 'hop_block', runs: 0 });
    }
  });

  it('a check that differs from the one rebuilt from the block own hop_scope is refused', async () => {
    const { token, params } = await oneHop();
    // Facts state the leaf scope; the check allows more (another action, a later expiry, every resource).
    const wider = [
      HOP_CODE.replace('{actions}.contains($a)', '{wide_actions}.contains($a)'),
      HOP_CODE.replace('$t < {expires}', '$t < {later}'),
      HOP_CODE.replace(/\{exact\}\.contains\(\$r\) \|\| .*;$/, '{exact}.contains($r) || true;'),
      HOP_CODE.replace('{audience}.contains($aud), ', ''),
    ];
    const extra = { wide_actions: { set: ['read', 'write'] }, later: { date: new Date((NOW + 9999) * 1000).toISOString() } };
    for (const code of wider) {
      const used = Object.fromEntries(Object.entries(extra).filter(([k]) => code.includes(`{${k}}`)));
      const crafted = await appendHopWithWasm(token, code, { ...params, ...used }, 1);
      expect(await failure(authorize(crafted, opts(dids[2]!))), code).toEqual({ code: 'malformed_input', check: 'hop_block', runs: 0 });
    }
  });

  it('a block-level scope, a public key or a context in a block is refused (read from the bytes)', async () => {
    const token = await chainOf('biscuit', 2);
    const bytes = token.toBytes();
    expect(readError(withBlockExtra(bytes, 0, []))).toEqual({ code: 'passed', check: '' });
    const scope = [0x3a, 0x02, 0x08, 0x00]; // scope: trusting authority
    const context = [0x12, 0x01, 0x78]; // context: "x"
    const key = [0x42, 0x24, 0x08, 0x00, 0x12, 0x20, ...new Array(32).fill(7)]; // publicKeys: ed25519
    for (const extra of [scope, context, key]) {
      expect(readError(withBlockExtra(bytes, 2, extra))).toEqual({ code: 'malformed_input', check: 'hop_block' });
      expect(readError(withBlockExtra(bytes, 0, extra))).toEqual({ code: 'malformed_input', check: 'authority_block' });
    }
    // Through authorize the same bytes fail their signature first.
    expect(await codeOf(authorize(CapabilityToken.fromBytes('biscuit', withBlockExtra(bytes, 2, scope)), opts(dids[2]!)))).toBe('invalid_signature');
  });

  it('an authority block beyond AUTHORITY_CODE is refused as authority_block', async () => {
    await expect(authorize(await mintWith(AUTHORITY_CODE), opts(dids[0]!))).resolves.toBeTruthy();
    for (const extra of ['check if time($t), $t < 2100-01-01T00:00:00Z;', 'right($x) <- authority($x, $h, $o, $t, $i);', 'extra(1);']) {
      const token = await mintWith(`${AUTHORITY_CODE}\n${extra}`);
      expect(await failure(authorize(token, opts(dids[0]!))), extra).toEqual({ code: 'malformed_input', check: 'authority_block', runs: 0 });
      expect(await failure(attenuate(token, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey }))).toMatchObject({ code: 'malformed_input', check: 'authority_block' });
    }
  });
});

describe('cheap checks run before Datalog, and Datalog runs once', () => {
  it('a revoked, expired, out-of-scope or wrongly presented token fails without a Datalog run', async () => {
    const token = await chainOf('biscuit', 2);
    const store = new MemoryRevocationStore();
    await store.revoke({ kind: 'agent', did: dids[1]! });
    expect(await failure(authorize(token, { ...opts(dids[2]!), revocations: store }))).toMatchObject({ code: 'revoked', runs: 0 });
    expect(await failure(authorize(token, { ...opts(dids[2]!), clock: () => (NOW + 3600) * 1000 }))).toMatchObject({ code: 'expired', runs: 0 });
    expect(await failure(authorize(token, opts(dids[3]!)))).toMatchObject({ code: 'holder_mismatch', runs: 0 });
    expect(await failure(authorize(token, { ...opts(dids[2]!), request: { ...request, audience: 'did:web:other.example' } }))).toMatchObject({ code: 'wrong_audience', runs: 0 });
    expect(await failure(authorize(token, { ...opts(dids[2]!), request: { ...request, task: 'other' } }))).toMatchObject({ code: 'wrong_task', runs: 0 });
    expect(await failure(authorize(token, { ...opts(dids[2]!), request: { ...request, action: 'delete' } }))).toMatchObject({ code: 'denied', runs: 0 });
    expect(await failure(authorize(token, { ...opts(dids[2]!), request: { ...request, resource: 'files:/secret' } }))).toMatchObject({ code: 'denied', runs: 0 });
  });

  it('revocation keeps its place: a forged token reports its signature, not a revocation', async () => {
    const token = await chainOf('biscuit', 1);
    const store = new MemoryRevocationStore();
    await store.revoke({ kind: 'agent', did: dids[1]! });
    const other = await chainOf('biscuit', 1);
    // Signed by another root: the chain read for the lookup is never trusted.
    expect(await codeOf(authorize(token, { ...opts(dids[1]!), trustedRoots: agents[7]!.publicKey, revocations: store }))).toBe('invalid_signature');
    expect(await failure(authorize(other, { ...opts(dids[1]!), revocations: store }))).toMatchObject({ code: 'revoked', runs: 0 });
  });

  it('an allowed request costs one Datalog run; a real time-out is not retried', async () => {
    const token = await chainOf('biscuit', 3);
    expect(await failure(authorize(token, opts(dids[3]!)))).toEqual({ code: 'passed', check: '', runs: 1 });
    expect(await failure(authorize(token, { ...opts(dids[3]!), limits: { maxDatalogMicros: 1 } }))).toMatchObject({ code: 'resource_limit', runs: 1 });
  });
});
