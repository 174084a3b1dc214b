import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, verifyAuditLog } from '@agent-id/core/node';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential, presentOwnership } from '@agent-id/did';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRevocationStore, ResourceGuard, attenuate, authorize, mintCapability, verifyChain } from '../src/index.js';
import { AUD, NOW, ORG, USER, agents, capability, chainOf, clock, dids, orgKey, rootSecret } from './helpers.js';

const operator = createAgentIdentity();
const identity = (i: number) => ({ did: dids[i]!, keyId: `${dids[i]!}#${dids[i]!.slice('did:key:'.length)}`, keyPair: agents[i]! });
const request = { resource: 'files:/reports/q3.pdf', action: 'read', task: 'task-q3' };

describe.each(['biscuit', 'macaroon'] as const)('ResourceGuard (%s)', (format) => {
  let log: AuditLog;
  let path: string;
  const revocations = new MemoryRevocationStore();
  let guard: ResourceGuard;
  const credentials = new Map<number, string>();

  beforeAll(async () => {
    path = join(await mkdtemp(join(tmpdir(), 'agent-id-guard-')), 'audit.jsonl');
    log = await AuditLog.open(path);
    guard = new ResourceGuard({
      service: AUD,
      resolver: createDidResolver(),
      trustedIssuers: [operator.did],
      trustedRoots: [orgKey.publicKey],
      rootSecrets: [rootSecret],
      revocations,
      audit: log,
      clock,
    });
    for (const i of [2, 3, 5]) credentials.set(i, await issueOwnershipCredential(operator, { agent: dids[i]!, onBehalfOf: USER, clock }));
  });
  afterAll(() => log.close());

  const call = (i: number, token: string, req: Record<string, unknown> = request) =>
    guard.check({ presentation: presentOwnership(identity(i), credentials.get(i)!, guard.issueChallenge(), { clock, request: req }), token, request: req });

  it('allows the proven holder, and audits both principals with the whole chain', async () => {
    const token = (await chainOf(format, 3)).serialize();
    const decision = await call(3, token);
    expect(decision).toMatchObject({ decision: 'allow', agent: dids[3], onBehalfOf: USER, verifier: AUD });
    expect(decision.chain?.map((h) => h.to)).toEqual([dids[0], dids[1], dids[2], dids[3]]);
    expect(decision.entry.record).toMatchObject({ agent: dids[3], onBehalfOf: USER, task: 'task-q3', decision: 'allow' });
    expect(decision.entry.record.chain).toHaveLength(4);
  });

  it('refuses (and audits) a holder without proof, a stolen token, a request outside the grant, a revoked hop', async () => {
    const token = await chainOf(format, 3);
    const text = token.serialize();
    const noProof = await guard.check({ presentation: 'not-a-presentation', token: text, request });
    expect(noProof).toMatchObject({ decision: 'deny', code: 'malformed_input' });
    // Agent 5 proves who it is, but the token was delegated to agent 3.
    expect(await call(5, text)).toMatchObject({ decision: 'deny', code: 'holder_mismatch', agent: dids[5] });
    expect(await call(3, text, { ...request, action: 'delete' })).toMatchObject({ decision: 'deny', code: 'denied' });
    expect(await call(3, text, { ...request, task: 'other' })).toMatchObject({ decision: 'deny', code: 'wrong_task' });
    // A presentation signed for one request cannot carry another.
    const bound = presentOwnership(identity(3), credentials.get(3)!, guard.issueChallenge(), { clock, request });
    expect(await guard.check({ presentation: bound, token: text, request: { ...request, resource: 'files:/reports/q4.pdf' } })).toMatchObject({
      decision: 'deny',
      code: 'request_mismatch',
    });
    // Revoking hop 2 (agent 1 → agent 2) stops that token at once.
    const t2 = await attenuate(await chainOf(format, 1), { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey });
    expect((await call(2, t2.serialize())).decision).toBe('allow');
    const verified = await authorize(t2, { request: { ...request, audience: AUD }, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey, rootSecrets: rootSecret });
    await revocations.revoke({ kind: 'token', id: verified.revocationIds[2]! });
    expect(await call(2, t2.serialize())).toMatchObject({ decision: 'deny', code: 'revoked' });
  });

  it('passes its clockToleranceSec to authorize: a hop issued 30 s after the guard time is allowed by default, refused with 0', async () => {
    const later = () => (NOW + 30) * 1000;
    const token = (await attenuate(await chainOf(format, 2), { clock: later, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey })).serialize();
    expect((await call(3, token)).decision).toBe('allow');
    const strict = new ResourceGuard({ service: AUD, resolver: createDidResolver(), trustedIssuers: [operator.did], trustedRoots: [orgKey.publicKey], rootSecrets: [rootSecret], audit: log, clock, clockToleranceSec: 0 });
    const presentation = presentOwnership(identity(3), credentials.get(3)!, strict.issueChallenge(), { clock, request });
    expect(await strict.check({ presentation, token, request })).toMatchObject({ decision: 'deny', code: 'not_yet_valid', check: 'issued_at' });
  });

  it('the audit log it wrote verifies and records denies with their codes', async () => {
    const entries = await verifyAuditLog(path);
    expect(entries.length).toBeGreaterThanOrEqual(7);
    const denies = entries.filter((e) => e.record.decision === 'deny');
    expect(denies.map((e) => e.record.code)).toEqual(expect.arrayContaining(['holder_mismatch', 'denied', 'wrong_task', 'revoked']));
    for (const e of entries) expect(e.record.onBehalfOf === USER || e.record.decision === 'deny').toBe(true);
  });
});

describe('ResourceGuard deny records hold only verified data', () => {
  it('a forged token records principal "unverified" and no chain; verifyChain refuses it', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-guard-')), 'audit.jsonl');
    const log = await AuditLog.open(path);
    const guard = new ResourceGuard({ service: AUD, resolver: createDidResolver(), trustedIssuers: [operator.did], trustedRoots: [orgKey.publicKey], rootSecrets: [rootSecret], audit: log, clock });
    // A macaroon minted with a secret this guard does not trust names whatever principal it likes.
    const wrongSecret = { id: rootSecret.id, secret: new Uint8Array(32).fill(7) };
    const forged = (
      await mintCapability(capability({ onBehalfOf: 'did:web:acme.example:users:ceo', holder: dids[3]! }), { format: 'macaroon', rootSecret: wrongSecret, issuer: ORG })
    ).serialize();
    const decision = await guard.check({ presentation: null, token: forged, request });
    expect(decision.decision).toBe('deny');
    expect(decision.onBehalfOf).toBeUndefined();
    expect(decision.entry.record).toMatchObject({ onBehalfOf: 'unverified', chain: [] });
    await expect(verifyChain(forged, { rootSecrets: rootSecret })).rejects.toMatchObject({ code: expect.any(String) });
    // A genuine token refused for its request keeps its verified principal and chain.
    const genuine = (await chainOf('biscuit', 2)).serialize();
    const refused = await guard.check({ presentation: null, token: genuine, request });
    expect(refused.entry.record).toMatchObject({ onBehalfOf: USER });
    expect(refused.entry.record.chain).toHaveLength(3);
    expect((await verifyChain(genuine, { trustedRoots: orgKey.publicKey })).chain.map((h) => h.to)).toEqual([dids[0], dids[1], dids[2]]);
    await log.close();
  });
});
