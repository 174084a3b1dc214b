import { type Clock, fixedClock } from '@agent-id/core';
import { describe, expect, it } from 'vitest';
import { ChallengeStore, createAgentIdentity, createDidResolver, issueOwnershipCredential, presentOwnership, verifyOwnershipCredential, verifyProofOfControl } from '../src/index.js';
import { expectCode } from '@agent-id/test-support';

// Every clock this package reads goes through core's readClock: a clock giving no usable
// time is `bad_clock` before any decision, so it can never switch expiry off.

const T0 = Date.parse('2030-01-01T00:00:00Z');
const good = fixedClock(T0);
const BAD: ReadonlyArray<readonly [string, unknown]> = [
  ['NaN', () => Number.NaN],
  ['undefined', () => undefined],
  ['-Infinity', () => Number.NEGATIVE_INFINITY],
  ['a string', () => String(T0)],
  ['a negative time', () => -5],
  ['a time past year 9999', () => 3e14],
  ['a throwing clock', () => {
    throw new Error('clock source down');
  }],
  ['not a function', T0],
];
const org = createAgentIdentity();
const agent = createAgentIdentity();
const resolver = createDidResolver();

describe.each(BAD)('a clock returning %s', (_what, value) => {
  const bad = value as Clock;

  it('is refused by verifyOwnershipCredential, even for a credential that expired years ago', async () => {
    const expired = await issueOwnershipCredential(org, { agent: agent.did, ttlMs: 60_000, clock: fixedClock(T0 - 5 * 365 * 86_400_000) });
    await expectCode(verifyOwnershipCredential(expired, resolver, { trustedIssuers: [org.did], clock: bad }), 'bad_clock', 'clock');
    await expectCode(verifyOwnershipCredential(expired, resolver, { trustedIssuers: [org.did], clock: good }), 'expired');
  });

  it('is refused by issueOwnershipCredential and presentOwnership', async () => {
    await expectCode(() => issueOwnershipCredential(org, { agent: agent.did, clock: bad }), 'bad_clock', 'clock');
    const credential = await issueOwnershipCredential(org, { agent: agent.did, clock: good });
    const challenge = new ChallengeStore({ audience: 'did:web:api.example', clock: good }).issue();
    await expectCode(() => presentOwnership(agent, credential, challenge, { clock: bad }), 'bad_clock', 'clock');
  });

  it('is refused by ChallengeStore (at construction) and by verifyProofOfControl', async () => {
    await expectCode(() => new ChallengeStore({ audience: 'did:web:api.example', clock: bad }), 'bad_clock', 'clock');
    const challenges = new ChallengeStore({ audience: 'did:web:api.example', clock: good });
    const credential = await issueOwnershipCredential(org, { agent: agent.did, clock: good });
    const vp = presentOwnership(agent, credential, challenges.issue(), { clock: good });
    await expectCode(verifyProofOfControl(vp, resolver, { challenges, trustedIssuers: [org.did], clock: bad }), 'bad_clock', 'clock');
  });

  it('is refused by createDidResolver (at creation)', async () => {
    await expectCode(() => createDidResolver({ clock: bad }), 'bad_clock', 'clock');
  });
});

describe('a clock that goes bad after construction', () => {
  it('ChallengeStore and the resolver cache refuse it on the next use', async () => {
    let now: unknown = T0;
    const clock = (() => now) as Clock;
    const challenges = new ChallengeStore({ audience: 'did:web:api.example', clock });
    const { nonce } = challenges.issue();
    const cached = createDidResolver({ clock });
    await cached.resolveKey(agent.keyId, 'authentication');
    now = Number.NaN;
    await expectCode(() => challenges.issue(), 'bad_clock', 'clock');
    await expectCode(() => challenges.consume(nonce), 'bad_clock', 'clock');
    await expectCode(cached.resolveKey(agent.keyId, 'authentication'), 'bad_clock', 'clock');
    now = T0;
    expect(() => challenges.consume(nonce)).not.toThrow();
  });
});

describe('clockToleranceSec', () => {
  it('a tolerance that is not 0 … 86,400 seconds is bad_clock (check clock_tolerance), never a disabled expiry', async () => {
    const expired = await issueOwnershipCredential(org, { agent: agent.did, ttlMs: 60_000, clock: fixedClock(T0 - 86_400_000) });
    for (const tolerance of [Number.NaN, -1, Number.POSITIVE_INFINITY, 86_401, '5']) {
      await expectCode(verifyOwnershipCredential(expired, resolver, { trustedIssuers: [org.did], clock: good, clockToleranceSec: tolerance as number }), 'bad_clock', 'clock_tolerance');
    }
    await expectCode(verifyOwnershipCredential(expired, resolver, { trustedIssuers: [org.did], clock: good, clockToleranceSec: 60 }), 'expired');
  });
});
