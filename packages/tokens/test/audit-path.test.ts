import { type AuditRecord, DeniedError, KeyPair } from '@agent-id/core';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential, presentOwnership } from '@agent-id/did';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureRuns as biscuitRuns } from '../src/biscuit/signatures.js';
import { signatureRuns as macaroonRuns } from '../src/macaroon/read.js';
import {
  type CapabilityToken,
  MemoryRevocationStore,
  ResourceGuard,
  type TokenFormat,
  authorize,
  configureSignatureCache,
  mintCapability,
  refusalRecord,
} from '../src/index.js';
import { AUD, NOW, ORG, USER, agents, capability, chainOf, clock, dids, orgKey, rootSecret } from './helpers.js';

// One audit path: whoever decides, one function words the record, and recording a
// refusal never verifies the token a second time.

const operator = createAgentIdentity();
const identity = (i: number) => ({ did: dids[i]!, keyId: `${dids[i]!}#${dids[i]!.slice('did:key:'.length)}`, keyPair: agents[i]! });
const trust = { trustedRoots: orgKey.publicKey, rootSecrets: rootSecret };
const request = { resource: 'files:/reports/q3.pdf', action: 'read', task: 'task-q3' };
const EXPIRED = () => (NOW + 3600) * 1000;

/** Signature-chain verifications (either format) while `f` runs. */
async function verificationsDuring(f: () => Promise<unknown>): Promise<number> {
  const before = biscuitRuns.count + macaroonRuns.count;
  await f();
  return biscuitRuns.count + macaroonRuns.count - before;
}

function memoryAudit() {
  const records: AuditRecord[] = [];
  return { records, append: async (record: AuditRecord) => ({ seq: records.push(record) - 1, prevHash: '', hash: '', record }) };
}

const credentials = new Map<number, string>();
beforeAll(async () => {
  for (const i of [1, 5]) credentials.set(i, await issueOwnershipCredential(operator, { agent: dids[i]!, onBehalfOf: USER, clock }));
});

function guardAt(at: () => number, revocations?: MemoryRevocationStore) {
  const audit = memoryAudit();
  const guard = new ResourceGuard({
    service: AUD,
    resolver: createDidResolver(),
    trustedIssuers: [operator.did],
    trustedRoots: [orgKey.publicKey],
    rootSecrets: [rootSecret],
    audit,
    clock: at,
    ...(revocations ? { revocations } : {}),
  });
  // The presentation is made at the test clock: valid at NOW, and the guard's own clock only decides the token.
  const check = (i: number, token: string, req: Record<string, unknown> = request) =>
    guard.check({ presentation: presentOwnership(identity(i), credentials.get(i)!, guard.issueChallenge(), { clock, request: req }), token, request: req });
  return { guard, audit, check };
}

/** The same decision by authorize and refusalRecord, as a verifier calling them itself records it. */
async function recordOf(token: string, presenter: string, at: () => number, req: typeof request = request, revocations?: MemoryRevocationStore): Promise<AuditRecord> {
  try {
    const result = await authorize(token, { request: { ...req, audience: AUD }, presenter, clock: at, ...trust, ...(revocations ? { revocations } : {}) });
    return result.record;
  } catch (error) {
    return refusalRecord({ token, error, verifier: AUD, agent: presenter, request: req }, { ...trust, clock: at });
  }
}

// A chain whose last delegate is agent 1 after five hops: 0 → 2 → 3 → 4 → 6 → 1.
async function fiveHops(format: TokenFormat): Promise<CapabilityToken> {
  const { attenuate } = await import('../src/index.js');
  const path = [0, 2, 3, 4, 6, 1];
  let token = await mintCapability(capability({ holder: dids[0]!, maxDepth: 6 }), format === 'biscuit' ? { format, rootKey: orgKey, issuer: ORG } : { format, rootSecret, issuer: ORG });
  for (let i = 1; i < path.length; i++) token = await attenuate(token, { clock, to: dids[path[i]!]!, signer: agents[path[i - 1]!]!, trustedRoots: orgKey.publicKey });
  return token;
}

// These tests count verifications per decision: the cache of verified chains would make a
// token seen before cost none, so it is off here (test/verification-cache.test.ts covers it).
beforeAll(() => configureSignatureCache({ maxEntries: 0 }));
afterAll(() => configureSignatureCache());

describe.each(['biscuit', 'macaroon'] as const)('one audit path (%s)', (format) => {
  it('an expired five-hop token is verified once, refused by the guard or by authorize + refusalRecord', async () => {
    const token = (await fiveHops(format)).serialize();
    const { audit, check } = guardAt(EXPIRED);
    let decision: Awaited<ReturnType<typeof check>> | undefined;
    expect(await verificationsDuring(async () => (decision = await check(1, token)))).toBe(1);
    expect(decision).toMatchObject({ decision: 'deny', code: 'expired', onBehalfOf: USER });
    expect(decision!.chain).toHaveLength(6);
    let record: AuditRecord | undefined;
    expect(await verificationsDuring(async () => (record = await recordOf(token, dids[1]!, EXPIRED)))).toBe(1);
    // Same decision, same words, whoever wrote it.
    expect(record).toEqual(audit.records[0]);
    expect(record).toMatchObject({ decision: 'deny', code: 'expired', onBehalfOf: USER, agent: dids[1] });
    expect(record!.reason).toMatch(/^expiry: hop 0 expired at .* \[token signatures and chain verified; request refused\]$/);
  });

  it('a token that does not verify is verified once, and recorded with nothing it claims', async () => {
    const forgedSecret = { ...rootSecret, secret: new Uint8Array(32).fill(3) };
    const forged = (
      format === 'biscuit'
        ? await mintCapability(capability({ holder: dids[1]! }), { format, rootKey: KeyPair.generate(), issuer: ORG })
        : await mintCapability(capability({ holder: dids[1]! }), { format, rootSecret: forgedSecret, issuer: ORG })
    ).serialize();
    const { audit, check } = guardAt(clock);
    expect(await verificationsDuring(() => check(1, forged))).toBe(1);
    let record: AuditRecord | undefined;
    expect(await verificationsDuring(async () => (record = await recordOf(forged, dids[1]!, clock)))).toBe(1);
    expect(record).toEqual(audit.records[0]);
    expect(record).toMatchObject({ decision: 'deny', code: 'invalid_signature', onBehalfOf: 'unverified', chain: [] });
  });

  it('allow records: the guard appends the very record authorize words', async () => {
    const token = (await chainOf(format, 1)).serialize();
    const { audit, check } = guardAt(clock);
    const decision = await check(1, token);
    expect(decision).toMatchObject({ decision: 'allow', operator: operator.did, onBehalfOf: USER });
    expect(decision.reason).toBe(audit.records[0]!.reason);
    const record = await recordOf(token, dids[1]!, clock);
    expect(record).toEqual(audit.records[0]);
    expect(record.reason).toBe(
      `${format} chain of 2 hop(s) from ${ORG} verified (signatures, hop attribution, narrowing); revocation, holder, task, issue time, expiry, audience, action and resource checked at every hop`,
    );
  });

  it('deny records after verification (holder, request, revocation): identical from both writers', async () => {
    const token = await chainOf(format, 1);
    const text = token.serialize();
    const revoked = new MemoryRevocationStore();
    await revoked.revoke({ kind: 'agent', did: dids[0]! });
    const cases: Array<[string, number, typeof request, MemoryRevocationStore | undefined]> = [
      ['holder_mismatch', 5, request, undefined],
      ['denied', 1, { ...request, action: 'delete' }, undefined],
      ['wrong_task', 1, { ...request, task: 'other' }, undefined],
      ['revoked', 1, request, revoked],
    ];
    for (const [code, agent, req, store] of cases) {
      const { audit, check } = guardAt(clock, store);
      expect(await verificationsDuring(() => check(agent, text, req))).toBe(1);
      const record = await recordOf(text, dids[agent]!, clock, req, store);
      expect(record, code).toEqual(audit.records[0]);
      expect(record).toMatchObject({ code, onBehalfOf: USER });
      expect(record.chain).toHaveLength(2);
    }
  });
});

describe('Macaroon discharges', () => {
  it('an expired discharge is decided after every signature: the refusal carries the verified chain', async () => {
    const { attenuate, bindDischarge, dischargeThirdPartyCaveat, inspectToken } = await import('../src/index.js');
    const partner = { location: 'https://partner.example/discharge', keyId: 'acme-partner', secret: new Uint8Array(32).fill(9), condition: 'delegation-live' };
    const token = await attenuate(await chainOf('macaroon', 0), { clock, to: dids[1]!, signer: agents[0]!, thirdPartyCaveats: [partner] });
    const [caveat] = (await inspectToken(token)).thirdPartyCaveats;
    const discharge = await dischargeThirdPartyCaveat(caveat!.caveatId, { keyId: partner.keyId, secret: partner.secret, expiresAt: NOW + 60, confirm: () => true });
    const bound = bindDischarge(token, discharge).serialize();
    const text = token.serialize();
    const later = () => (NOW + 61) * 1000;
    const options = { request: { ...request, audience: AUD }, presenter: dids[1]!, clock: later, rootSecrets: rootSecret, discharges: [bound] };
    let record: AuditRecord | undefined;
    const runs = await verificationsDuring(async () => {
      const error = await authorize(text, options).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'expired', check: 'discharge_expiry' });
      record = await refusalRecord({ token: text, error, verifier: AUD, agent: dids[1]!, request }, { rootSecrets: rootSecret, discharges: [bound], clock: later });
    });
    expect(runs).toBe(1);
    expect(record).toMatchObject({ code: 'expired', onBehalfOf: USER });
    expect(record!.chain).toHaveLength(2);
    // A discharge that is both expired and not bound to this token: its signature is refused first.
    expect(await authorize(text, { ...options, discharges: [discharge] }).catch((e: unknown) => e)).toMatchObject({ code: 'invalid_signature' });
  });
});

describe('what a refusal carries', () => {
  it('is invisible: the error shows only its code, check and message', async () => {
    const token = (await chainOf('biscuit', 1)).serialize();
    const error = await authorize(token, { request: { ...request, audience: AUD, action: 'delete' }, presenter: dids[1]!, clock, ...trust }).catch((e: unknown) => e);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'DeniedError', code: 'denied', check: 'actions', message: expect.any(String) });
    expect(Object.getOwnPropertyNames(error as object).sort()).toEqual(Object.getOwnPropertyNames(new DeniedError('x', { check: 'actions' })).sort());
    expect(Object.getOwnPropertySymbols(error as object)).toEqual([]);
  });

  it('belongs to the token refused: another token is verified on its own', async () => {
    const a = (await chainOf('biscuit', 1)).serialize();
    const b = (await chainOf('biscuit', 1, { onBehalfOf: 'did:web:acme.example:users:bob' })).serialize();
    const error = await authorize(a, { request: { ...request, audience: AUD, action: 'delete' }, presenter: dids[1]!, clock, ...trust }).catch((e: unknown) => e);
    let record: AuditRecord | undefined;
    expect(await verificationsDuring(async () => (record = await refusalRecord({ token: b, error, verifier: AUD }, { ...trust, clock })))).toBe(1);
    expect(record!.onBehalfOf).toBe('did:web:acme.example:users:bob');
  });

  it('a refusal before authorize (no proof of control) verifies the token once, for the record', async () => {
    const token = (await chainOf('macaroon', 1)).serialize();
    const { audit, guard } = guardAt(clock);
    expect(await verificationsDuring(() => guard.check({ presentation: 'not-a-presentation', token, request }))).toBe(1);
    expect(audit.records[0]).toMatchObject({ decision: 'deny', code: 'malformed_input', agent: 'unverified', onBehalfOf: USER });
  });
});
