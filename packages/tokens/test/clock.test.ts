import { type Clock, fixedClock } from '@agent-id/core';
import { createAgentIdentity, createDidResolver } from '@agent-id/did';
import { describe, expect, it } from 'vitest';
import { type CapabilityToken, ResourceGuard, attenuate, authorize, mintCapability, refusalRecord } from '../src/index.js';
import { AUD, NOW, agents, capability, chainOf, codeOf, dids, orgKey, rootSecret, trust, failure } from './helpers.js';

// Every clock this package reads goes through core's readClock, before any decision: a
// clock that gives no usable time is `bad_clock`, so it can never switch expiry off.

const BAD: ReadonlyArray<readonly [string, unknown]> = [
  ['NaN', () => Number.NaN],
  ['undefined', () => undefined],
  ['null', () => null],
  ['-Infinity', () => Number.NEGATIVE_INFINITY],
  ['+Infinity', () => Number.POSITIVE_INFINITY],
  ['a string', () => String(NOW * 1000)],
  ['a negative time', () => -1000],
  ['a time past year 9999', () => 253_402_300_800_000],
  ['a throwing clock', () => {
    throw new Error('no time');
  }],
  ['not a function', NOW * 1000],
];
const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };

describe.each(['biscuit', 'macaroon'] as const)('%s', (format) => {
  // Expired ten years before the decision time the good clock gives.
  let expired: CapabilityToken;
  const at = fixedClock(NOW * 1000);

  it.each(BAD)('authorize refuses a clock returning %s with bad_clock, even for a token that expired years ago', async (_what, clock) => {
    expired ??= await chainOf(format, 2, { expiresAt: NOW - 10 * 365 * 86_400 });
    expect(await codeOf(authorize(expired, { request, presenter: dids[2]!, clock: at, ...trust(format) }))).toBe('expired');
    expect(await failure(authorize(expired, { request, presenter: dids[2]!, clock: clock as Clock, ...trust(format) }))).toEqual({ code: 'bad_clock', check: 'clock' });
    // Before anything else: a request that would be refused too still reports the clock.
    expect(await failure(authorize('not a token', { request: { ...request, action: '' }, presenter: '', clock: clock as Clock, ...trust(format) }))).toEqual({ code: 'bad_clock', check: 'clock' });
  });

  it.each(BAD)('mintCapability and attenuate refuse a clock returning %s (the hop would carry no issue time)', async (_what, clock) => {
    const bad = clock as Clock;
    const mintOptions = format === 'biscuit' ? { format, rootKey: orgKey, clock: bad } : { format, rootSecret, issuer: 'did:web:acme.example', clock: bad };
    expect(await failure(mintCapability(capability(), mintOptions))).toEqual({ code: 'bad_clock', check: 'clock' });
    const token = await chainOf(format, 0);
    expect(await failure(attenuate(token, { to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, clock: bad }))).toEqual({ code: 'bad_clock', check: 'clock' });
  });

  it('refusalRecord refuses to date a record by a bad clock', async () => {
    const token = await chainOf(format, 1);
    for (const [, clock] of BAD) {
      expect(await failure(refusalRecord({ token: token.serialize(), error: new Error('x'), verifier: AUD }, { ...trust(format), clock: clock as Clock }))).toEqual({ code: 'bad_clock', check: 'clock' });
    }
  });
});

describe('ResourceGuard', () => {
  const audit = { append: () => Promise.reject(new Error('nothing may be recorded')) };
  const base = { service: AUD, resolver: createDidResolver(), trustedIssuers: [createAgentIdentity().did], trustedRoots: [orgKey.publicKey], audit };

  it.each(BAD)('refuses a clock returning %s at construction', (_what, clock) => {
    expect(() => new ResourceGuard({ ...base, clock: clock as Clock })).toThrow(expect.objectContaining({ code: 'bad_clock', check: 'clock' }));
  });

  it('refuses an unusable clock tolerance at construction', () => {
    for (const clockToleranceSec of [Number.NaN, -1, 86_401, Number.POSITIVE_INFINITY]) {
      expect(() => new ResourceGuard({ ...base, clockToleranceSec })).toThrow(expect.objectContaining({ code: 'bad_clock', check: 'clock_tolerance' }));
    }
    expect(() => new ResourceGuard({ ...base, clockToleranceSec: 0 })).not.toThrow();
  });

  it('throws bad_clock from check when its clock goes bad later (no decision, no record)', async () => {
    let now: unknown = NOW * 1000;
    const guard = new ResourceGuard({ ...base, clock: (() => now) as Clock });
    guard.issueChallenge();
    now = Number.NaN;
    expect(await failure(guard.check({ presentation: 'x', token: 'y', request: { resource: 'r', action: 'a', task: 't' } }))).toEqual({ code: 'bad_clock', check: 'clock' });
  });
});
