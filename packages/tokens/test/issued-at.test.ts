import { base64urlEncode } from '@agent-id/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datalogRefusal } from '../src/biscuit/authorize.js';
import { AUTHORITY_CODE, HOP_CODE, dateParam, scopeParams } from '../src/biscuit/datalog.js';
import { wasmPrivateKey, } from '../src/biscuit/keys.js';
import { CapabilityToken, type TokenFormat, attenuate, authorize, inspectToken, mintCapability, verifyChain } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { formatCaveat, formatIdentifier } from '../src/macaroon/caveats.js';
import { exportBinary } from '../src/macaroon/codec.js';
import { randomId, tokenRootKey } from '../src/macaroon/keys.js';
import { hopSigningInput } from '../src/macaroon/read.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import macaroonLib from 'macaroon';
import { AUD, NOW, ORG, USER, agents, capability, dids, orgKey, rootSecret, trust, failure } from './helpers.js';
import { appendHopWithWasm } from './envelope.js';

// Every hop records when it was made, and a token is never accepted at a time before it
// existed: a verifier whose time plus its clock tolerance is before a hop's issue time
// refuses it (not_yet_valid, check issued_at), and a chain's times never go backwards.

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };
const at = (seconds: number) => () => seconds * 1000;

const PASSED = { code: 'passed', check: '' };
const NOT_YET = { code: 'not_yet_valid', check: 'issued_at' };

/** Mint at `times[0]`, then one hop per further time (agent i → agent i+1). */
async function chainAt(format: TokenFormat, times: readonly number[]): Promise<CapabilityToken> {
  const mintOptions = format === 'biscuit' ? { format, rootKey: orgKey, issuer: ORG, clock: at(times[0]!) } : { format, rootSecret, issuer: ORG, clock: at(times[0]!) };
  let token = await mintCapability(capability({ expiresAt: NOW + 7200 }), mintOptions);
  for (let i = 1; i < times.length; i++) token = await attenuate(token, { to: dids[i]!, signer: agents[i - 1]!, trustedRoots: orgKey.publicKey, clock: at(times[i]!) });
  return token;
}

describe.each(['biscuit', 'macaroon'] as const)('%s', (format) => {
  const decide = (token: CapabilityToken, now: number, presenter: string, extra: Record<string, unknown> = {}) =>
    failure(authorize(token, { request, presenter, clock: at(now), ...trust(format), ...extra }));

  it('records when each hop was made, in authorize, verifyChain and inspect', async () => {
    const times = [NOW - 600, NOW - 300, NOW - 299, NOW];
    const token = await chainAt(format, times);
    const result = await authorize(token, { request, presenter: dids[3]!, clock: at(NOW + 10), ...trust(format) });
    expect(result.chain.map((h) => h.issuedAt)).toEqual(times);
    expect(result.record.chain.map((h) => h.issuedAt)).toEqual(times);
    expect((await verifyChain(token, trust(format))).chain.map((h) => h.issuedAt)).toEqual(times);
    const view = await inspectToken(token, { trustedRoots: orgKey.publicKey });
    expect(view.chain.map((h) => h.issuedAt)).toEqual(times);
    expect(view.text).toContain(`issued: ${new Date((NOW - 299) * 1000).toISOString()}`);
  });

  it.each([
    [0, 'no tolerance'],
    [1, 'one second'],
    [undefined, 'the default 60 s'],
    [300, 'five minutes'],
    [86_400, 'a day'],
  ])('is refused before any hop was issued, beyond a tolerance of %s (%s)', async (tolerance, _what) => {
    const skew = tolerance ?? 60;
    const times = [NOW - 100, NOW, NOW + 50];
    const token = await chainAt(format, times);
    const extra = tolerance === undefined ? {} : { clockToleranceSec: tolerance };
    // The newest hop decides the latest moment the token can have existed.
    expect(await decide(token, NOW + 50 - skew, dids[2]!, extra)).toEqual(PASSED);
    expect(await decide(token, NOW + 50 - skew - 1, dids[2]!, extra)).toEqual(NOT_YET);
    expect(await decide(token, NOW - 100 - skew - 1, dids[2]!, extra)).toEqual(NOT_YET);
    expect(await decide(token, NOW - 10 * 365 * 86_400, dids[2]!, extra)).toEqual(NOT_YET);
    if (format === 'biscuit') {
      // With Datalog too (a generous time budget: a time-out under load is not a decision).
      const datalog = { ...extra, datalog: true, limits: { maxDatalogMicros: 10_000_000 } };
      expect(await decide(token, NOW + 50 - skew, dids[2]!, datalog)).toEqual(PASSED);
      expect(await decide(token, NOW + 50 - skew - 1, dids[2]!, datalog)).toEqual(NOT_YET);
    }
  });

  it('a fractional tolerance counts whole seconds of issue time', async () => {
    const token = await chainAt(format, [NOW]);
    expect(await decide(token, NOW - 2, dids[0]!, { clockToleranceSec: 2.5 })).toEqual(PASSED);
    expect(await decide(token, NOW - 3, dids[0]!, { clockToleranceSec: 2.5 })).toEqual(NOT_YET);
  });

  it('a tolerance that is not 0 … 86,400 seconds is bad_clock (check clock_tolerance)', async () => {
    const token = await chainAt(format, [NOW]);
    for (const clockToleranceSec of [Number.NaN, -1, Number.POSITIVE_INFINITY, 86_401, '60']) {
      expect(await decide(token, NOW, dids[0]!, { clockToleranceSec }), String(clockToleranceSec)).toEqual({ code: 'bad_clock', check: 'clock_tolerance' });
    }
  });

  it('attenuate refuses to make a hop before its parent was issued (the chain never goes backwards)', async () => {
    const token = await chainAt(format, [NOW, NOW + 100]);
    const hand = (seconds: number) => attenuate(token, { to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey, clock: at(seconds) });
    for (const seconds of [NOW + 99, NOW, NOW - 86_400]) expect(await failure(hand(seconds)), String(seconds)).toEqual({ code: 'malformed_input', check: 'issued_at' });
    const same = await hand(NOW + 100);
    expect((await authorize(same, { request, presenter: dids[2]!, clock: at(NOW + 100), ...trust(format) })).chain.map((h) => h.issuedAt)).toEqual([NOW, NOW + 100, NOW + 100]);
  });

  it('property: allowed exactly when the decision time plus the tolerance reaches every hop issue time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: -900, max: 900 }),
        fc.constantFrom(0, 1, 30, 60, 120),
        async (steps, offset, tolerance) => {
          const times: number[] = [];
          for (const step of steps) times.push((times.at(-1) ?? NOW) + step);
          const token = await chainAt(format, times);
          const now = times.at(-1)! + offset;
          const expected = now + tolerance >= times.at(-1)! ? PASSED : NOT_YET;
          expect(await decide(token, now, dids[times.length - 1]!, { clockToleranceSec: tolerance })).toEqual(expected);
          if (format === 'biscuit') {
            // biscuit-wasm's Datalog alone (its issue_limit fact) decides the same.
            // A generous time budget: a time-out under load is not a decision.
            const refusal = await datalogRefusal(token, request, now, orgKey.publicKey, { ...DEFAULT_LIMITS, maxDatalogMicros: 10_000_000 }, tolerance);
            expect(refusal === undefined).toBe(expected === PASSED);
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});

describe('hand-made tokens (bypassing mint and attenuate)', () => {
  const leaf = { resources: ['files:/reports/*'], actions: ['read'], audience: [AUD], expiresAt: NOW + 600, maxDepth: 0 };

  async function biscuitHop(token: CapabilityToken, code: string, issuedAt: unknown): Promise<CapabilityToken> {
    const ids = (await authorize(token, { request, presenter: dids[1]!, clock: at(NOW + 200), ...trust('biscuit') })).blockRevocationIds;
    const params = { index: 2, from: dids[1], to: dids[2], previous: { bytes: ids[1] }, ...(issuedAt === undefined ? {} : { issued_at: issuedAt }), ...scopeParams(leaf) };
    return appendHopWithWasm(token, code, params, 1);
  }

  function macaroonHop(token: CapabilityToken, hop: Record<string, unknown>): CapabilityToken {
    const m = macaroonLib.importMacaroon(token.toBytes());
    const value = { actions: leaf.actions, audience: leaf.audience, expires_at: leaf.expiresAt, from: dids[1]!, id: randomId(), index: 2, max_depth: 0, resources: leaf.resources, to: dids[2]!, ...hop };
    const sig = base64urlEncode(agents[1]!.sign(hopSigningInput(value as never, m.signature)));
    m.addFirstPartyCaveat(formatCaveat({ name: 'delegation', value: { ...value, sig } as never }));
    return CapabilityToken.fromBytes('macaroon', exportBinary(m));
  }

  const opts = (format: TokenFormat) => ({ request, presenter: dids[2]!, clock: at(NOW + 200), ...trust(format) });

  it('a hop dated before its parent is refused at authorize (malformed_input, check issued_at), in both formats', async () => {
    for (const issuedAt of [NOW + 99, NOW, 0]) {
      const biscuit = await biscuitHop(await chainAt('biscuit', [NOW, NOW + 100]), HOP_CODE, dateParam(issuedAt));
      expect(await failure(authorize(biscuit, opts('biscuit')))).toEqual({ code: 'malformed_input', check: 'issued_at' });
      const macaroon = macaroonHop(await chainAt('macaroon', [NOW, NOW + 100]), { issued_at: issuedAt });
      expect(await failure(authorize(macaroon, opts('macaroon')))).toEqual({ code: 'malformed_input', check: 'issued_at' });
    }
    await expect(authorize(await biscuitHop(await chainAt('biscuit', [NOW, NOW + 100]), HOP_CODE, dateParam(NOW + 100)), opts('biscuit'))).resolves.toBeTruthy();
    await expect(authorize(macaroonHop(await chainAt('macaroon', [NOW, NOW + 100]), { issued_at: NOW + 100 }), opts('macaroon'))).resolves.toBeTruthy();
  });

  it('Biscuit: a hop without an issue time, with one that is not a date, or a check whose issue time differs from its fact, is refused', async () => {
    const token = await chainAt('biscuit', [NOW, NOW]);
    const old = HOP_CODE.replace('{previous}, {issued_at})', '{previous})').replace(', issue_limit($l)', '').replace(', {issued_at} <= $l', '');
    expect(await failure(authorize(await biscuitHop(token, old, undefined), opts('biscuit')))).toMatchObject({ code: 'invalid_signature', check: 'hop_signature' });
    expect(await failure(authorize(await biscuitHop(token, HOP_CODE, NOW), opts('biscuit')))).toEqual({ code: 'malformed_input', check: 'chain' });
    const laterCheck = HOP_CODE.replace('{issued_at} <= $l', '{check_issued_at} <= $l');
    const bytes = await biscuitHop(token, laterCheck.replace('{check_issued_at}', dateParam(0).date), dateParam(NOW));
    expect(await failure(authorize(bytes, opts('biscuit')))).toEqual({ code: 'malformed_input', check: 'hop_block' });
  });

  it('Biscuit: an authority block without an issue time is refused', async () => {
    const old = AUTHORITY_CODE.replace(', {issued_at})', ')');
    const params = { issuer: ORG, holder: dids[0], on_behalf_of: USER, task: 'task-q3', ...scopeParams({ ...leaf, maxDepth: 2 }) };
    const bytes = await withBiscuit((glue) => {
      const builder = glue.Biscuit.builder();
      builder.addCodeWithParameters(old, params, {});
      const key = wasmPrivateKey(glue, orgKey);
      const token = builder.build(key);
      const out = token.toBytes();
      for (const o of [token, key]) o.free();
      return out;
    });
    expect(await failure(authorize(CapabilityToken.fromBytes('biscuit', bytes), { ...opts('biscuit'), presenter: dids[0]! }))).toEqual({ code: 'malformed_input', check: 'authority' });
  });

  it('Macaroon: a capability or delegation caveat without issued_at, or with one that is not whole seconds up to year 9999, is refused', async () => {
    const token = await chainAt('macaroon', [NOW, NOW]);
    for (const issued_at of [undefined, -1, 1.5, 253_402_300_800, '1900000000']) {
      const crafted = macaroonHop(token, { issued_at });
      expect(await failure(authorize(crafted, opts('macaroon'))), String(issued_at)).toEqual({ code: 'malformed_input', check: 'caveat' });
    }
    const tid = randomId();
    const m = macaroonLib.newMacaroon({ identifier: formatIdentifier({ kid: rootSecret.id, tid }), rootKey: tokenRootKey(rootSecret.secret, tid), version: 2 });
    const cap = capability();
    const value = { actions: cap.actions, audience: cap.audience, expires_at: cap.expiresAt, holder: cap.holder, issuer: ORG, max_depth: cap.maxDepth, on_behalf_of: USER, resources: cap.resources, task: cap.task };
    m.addFirstPartyCaveat(formatCaveat({ name: 'capability', value: value as never }));
    expect(await failure(authorize(CapabilityToken.fromBytes('macaroon', exportBinary(m)), { ...opts('macaroon'), presenter: dids[0]! }))).toEqual({ code: 'malformed_input', check: 'caveat' });
  });
});
