import { gzipSync } from 'node:zlib';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ManualClock, base64urlEncode, manualClock } from '@agent-id/core';
import { expectCode } from '@agent-id/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AgentIdentity, ChallengeStore, MemoryStatusListStore, StatusList, checkCredentialStatus, createAgentIdentity, createDidResolver, createStatusListResolver, decodeStatusList, issueOwnershipCredential, issueStatusListCredential, presentOwnership, reinstateCredential, revokeCredential, suspendCredential, verifyOwnershipCredential, verifyProofOfControl, verifyStatusListCredential } from '../src/index.js';
import { FileStatusListStore, didDocumentHandler, statusListHandler } from '../src/node.js';
import { type TestServer, signJwt, startServer } from './helpers.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const TTL = 60_000;
const agent = createAgentIdentity();

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: TestServer;
let origin: string;
let acme: AgentIdentity;
let other: AgentIdentity;
let clock: ManualClock;
let revocations: StatusList;
let suspensions: StatusList;
const docs: NonNullable<AgentIdentity['document']>[] = [];
const overrides = new Map<string, Handler>();
let serveStatus: ReturnType<typeof statusListHandler> = () => false;

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const override = overrides.get(path);
    if (override) return override(req, res);
    if (!serveStatus(req, res) && !didDocumentHandler(docs)(req, res)) res.writeHead(404).end();
  });
  origin = `http://${server.host}`;
  acme = createAgentIdentity({ method: 'web', domain: server.host, allowHttpLoopback: true });
  other = createAgentIdentity({ method: 'web', domain: server.host, path: 'other', allowHttpLoopback: true });
  docs.push(acme.document!, other.document!);
});
afterAll(() => server.close());

beforeEach(async () => {
  overrides.clear();
  clock = manualClock(T0);
  const store = new MemoryStatusListStore();
  revocations = await StatusList.open({ issuer: acme, url: `${origin}/status/revocation`, statusPurpose: 'revocation', store, ttlMs: TTL, clock });
  suspensions = await StatusList.open({ issuer: acme, url: `${origin}/status/suspension`, statusPurpose: 'suspension', store, ttlMs: TTL, clock });
  serveStatus = statusListHandler([revocations, suspensions]);
});

function verifier(options: { maxStaleMs?: number; maxListBytes?: number } = {}) {
  const resolver = createDidResolver({ allowHttpLoopback: true, clock });
  const statusLists = createStatusListResolver(resolver, { allowHttpLoopback: true, clock, ...options });
  const verify = (jwt: string) => verifyOwnershipCredential(jwt, resolver, { trustedIssuers: [acme.did], statusLists, clock });
  return { resolver, statusLists, verify };
}

function serve(path: string, body: string | Uint8Array, type = 'application/vc+jwt'): void {
  overrides.set(path, (_req, res) => res.writeHead(200, { 'content-type': type }).end(body));
}

// A credential signed by acme whose status entry says what the test needs.
function credentialWithStatus(entry: Record<string, unknown>): string {
  const now = Math.floor(T0 / 1000);
  return signJwt(
    { alg: 'EdDSA', typ: 'JWT', kid: acme.keyId },
    {
      iss: acme.did,
      sub: agent.did,
      jti: 'urn:uuid:1',
      nbf: now,
      exp: now + 3600,
      vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'AgentOwnershipCredential'], credentialSubject: { id: agent.did }, credentialStatus: entry },
    },
    acme.keyPair,
  );
}

const entry = (url: string, index: number | string, statusPurpose = 'revocation') => ({
  type: 'BitstringStatusListEntry',
  statusPurpose,
  statusListIndex: String(index),
  statusListCredential: url,
});

describe('revocable ownership credentials', () => {
  it.each(['1.1', '2.0'] as const)('VCDM %s: valid, then revoked once the cached list is past its ttl', async (dataModel) => {
    const vc = await issueOwnershipCredential(acme, { agent: agent.did, status: [revocations, suspensions], dataModel, clock });
    const { verify } = verifier();
    const facts = await verify(vc);
    expect(facts.dataModel).toBe(dataModel);
    expect(facts.credentialStatus?.map((e) => e.statusPurpose)).toEqual(['revocation', 'suspension']);
    await revokeCredential(vc, [revocations, suspensions]);
    await verify(vc); // the list is cached for its ttl
    clock.advance(TTL);
    const error = await expectCode(verify(vc), 'revoked', 'credential_status');
    expect(error.message).toContain('revocation');
  });

  it('suspended, then reinstated', async () => {
    const vc = await issueOwnershipCredential(acme, { agent: agent.did, status: [revocations, suspensions], clock });
    const { verify, statusLists } = verifier();
    await suspendCredential(vc, [revocations, suspensions]);
    await expectCode(verify(vc), 'suspended', 'credential_status');
    await reinstateCredential(vc, [revocations, suspensions]);
    statusLists.clear();
    await verify(vc);
  });

  it('a revocation outranks a suspension, and cannot be lifted by reinstating', async () => {
    const vc = await issueOwnershipCredential(acme, { agent: agent.did, status: [suspensions, revocations], clock });
    await suspendCredential(vc, [revocations, suspensions]);
    await revokeCredential(vc, [revocations, suspensions]);
    await reinstateCredential(vc, [revocations, suspensions]);
    await expectCode(verifier().verify(vc), 'revoked');
  });

  it('indices are allocated at random and never twice', async () => {
    const indices = await Promise.all(Array.from({ length: 200 }, () => revocations.allocate().then((e) => Number(e.statusListIndex))));
    expect(new Set(indices).size).toBe(200);
    const sorted = [...indices].sort((a, b) => a - b);
    // 200 uniform draws from 131,072 span most of the range; sequential allocation would not.
    expect(sorted[199]! - sorted[0]!).toBeGreaterThan(100_000);
    expect(indices.every((i) => i >= 0 && i < 131_072)).toBe(true);
  });

  it('a credential with a status entry is refused when the verifier has no status lists to check it', async () => {
    const vc = await issueOwnershipCredential(acme, { agent: agent.did, status: revocations, clock });
    const resolver = createDidResolver({ allowHttpLoopback: true, clock });
    await expectCode(verifyOwnershipCredential(vc, resolver, { trustedIssuers: [acme.did], clock }), 'status_unavailable', 'credential_status');
  });

  it('proof of control checks the status too', async () => {
    const vc = await issueOwnershipCredential(acme, { agent: agent.did, status: revocations, clock });
    const { resolver, statusLists } = verifier();
    const challenges = new ChallengeStore({ audience: 'did:web:api.example', clock });
    const options = { challenges, trustedIssuers: [acme.did], statusLists, clock };
    await verifyProofOfControl(presentOwnership(agent, vc, challenges.issue(), { clock }), resolver, options);
    await revokeCredential(vc, revocations);
    statusLists.clear();
    await expectCode(verifyProofOfControl(presentOwnership(agent, vc, challenges.issue(), { clock }), resolver, options), 'revoked', 'credential_status');
  });

  it('checkCredentialStatus re-checks a credential verified earlier', async () => {
    const vc = await issueOwnershipCredential(acme, { agent: agent.did, status: revocations, clock });
    const { verify, statusLists } = verifier();
    const facts = await verify(vc);
    await revokeCredential(facts.credentialStatus![0]!, revocations);
    statusLists.clear();
    await expectCode(checkCredentialStatus(facts.credentialStatus, facts.issuer, statusLists), 'revoked');
  });
});

describe('status lists that cannot be trusted or used', () => {
  it('a list signed by another issuer', async () => {
    const url = `${origin}/status/foreign`;
    const bits = new Uint8Array(16_384);
    serve('/status/foreign', await issueStatusListCredential(other, { id: url, statusPurpose: 'revocation', bits, clock }));
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 7))), 'untrusted_issuer', 'status_list_issuer');
  });

  it('a list for another purpose', async () => {
    const vc = credentialWithStatus(entry(suspensions.url, 7, 'revocation'));
    await expectCode(verifier().verify(vc), 'malformed_input', 'status_purpose');
  });

  it('a list serving several purposes answers for each; one with no purpose is refused', async () => {
    const url = `${origin}/status/both`;
    const bits = new Uint8Array(16_384);
    bits[0] = 0x40; // entry 1
    const list = (statusPurpose: unknown) => ({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: acme.did,
      validFrom: '2029-12-31T00:00:00Z',
      credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose, encodedList: `u${base64urlEncode(gzipSync(bits))}` },
    });
    serve('/status/both', signJwt({ alg: 'EdDSA', typ: 'vc+jwt', kid: acme.keyId }, list(['revocation', 'suspension']), acme.keyPair));
    await verifier().verify(credentialWithStatus(entry(url, 2, 'suspension')));
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 1, 'suspension'))), 'suspended');
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 1))), 'revoked');
    serve('/status/both', signJwt({ alg: 'EdDSA', typ: 'vc+jwt', kid: acme.keyId }, list([]), acme.keyPair));
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 2))), 'malformed_input', 'status_purpose');
  });

  it('an index out of range', async () => {
    await expectCode(verifier().verify(credentialWithStatus(entry(revocations.url, 131_072))), 'malformed_input', 'status_index');
    await expectCode(verifier().verify(credentialWithStatus(entry(revocations.url, '-1'))), 'malformed_input', 'status_index');
    await expectCode(verifier().verify(credentialWithStatus(entry(revocations.url, '007'))), 'malformed_input', 'status_index');
  });

  it('a list served at another URL than its id', async () => {
    serve('/status/copy', await revocations.credential());
    await expectCode(verifier().verify(credentialWithStatus(entry(`${origin}/status/copy`, 7))), 'malformed_input', 'status_list_id');
  });

  it('an unreachable list: fine before the bound with a cached list, fails closed after it', async () => {
    const vc = await issueOwnershipCredential(acme, { agent: agent.did, status: revocations, clock });
    const { verify } = verifier({ maxStaleMs: 120_000 });
    await verify(vc);
    overrides.set('/status/revocation', (_req, res) => res.writeHead(503).end());
    clock.advance(TTL + 100_000);
    const fetches = () => server.hits.get('/status/revocation') ?? 0;
    const before = fetches();
    await verify(vc);
    expect(fetches()).toBe(before + 1);
    await verify(vc); // a failed refresh is not retried at once: the stale list decides meanwhile
    expect(fetches()).toBe(before + 1);
    clock.advance(10_000);
    await verify(vc);
    expect(fetches()).toBe(before + 2);
    clock.advance(9_000);
    await verify(vc);
    clock.advance(1_000);
    await expectCode(verify(vc), 'status_unavailable', 'credential_status');
    // and with no list ever fetched, there is nothing to decide with
    await expectCode(verifier().verify(vc), 'status_unavailable', 'credential_status');
  });

  it('an older list served after a newer one (a stale mirror, a replay) never undoes a revocation', async () => {
    const vc = await issueOwnershipCredential(acme, { agent: agent.did, status: revocations, clock });
    const before = await revocations.credential();
    const { verify } = verifier({ maxStaleMs: 120_000 });
    await verify(vc);
    clock.advance(1_000);
    await revokeCredential(vc, revocations);
    clock.advance(TTL);
    await expectCode(verify(vc), 'revoked');
    serve('/status/revocation', before);
    clock.advance(TTL);
    await expectCode(verify(vc), 'revoked'); // the newer list, kept within maxStaleMs
    clock.advance(120_000);
    await expectCode(verify(vc), 'status_unavailable', 'status_list_rollback');
  });

  it('a list on a closed port, and a redirect, are unavailable', async () => {
    const closed = await startServer();
    const url = `http://${closed.host}/status/revocation`;
    await closed.close();
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 1))), 'status_unavailable');
    overrides.set('/status/moved', (_req, res) => res.writeHead(302, { location: revocations.url }).end());
    await expectCode(verifier().verify(credentialWithStatus(entry(`${origin}/status/moved`, 1))), 'status_unavailable');
  });

  it('a list larger than the limit', async () => {
    serve('/status/huge', 'x'.repeat(70_000));
    await expectCode(verifier({ maxListBytes: 65_536 }).verify(credentialWithStatus(entry(`${origin}/status/huge`, 1))), 'input_too_large');
  });

  it('a GZIP bomb: small on the wire, refused while it expands', async () => {
    const url = `${origin}/status/bomb`;
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: acme.did,
      validFrom: '2029-12-31T00:00:00Z',
      credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: `u${base64urlEncode(bomb)}` },
    };
    serve('/status/bomb', signJwt({ alg: 'EdDSA', typ: 'vc+jwt', kid: acme.keyId }, credential, acme.keyPair));
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 1))), 'input_too_large', 'status_list_size');
  });

  it('a list whose credential expired', async () => {
    const url = `${origin}/status/old`;
    const bits = new Uint8Array(16_384);
    serve('/status/old', await issueStatusListCredential(acme, { id: url, statusPurpose: 'revocation', bits, validFrom: T0 - 7_200_000, validityMs: 3_600_000, clock }));
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 1))), 'status_unavailable', 'status_list_expiry');
    await expectCode(verifyStatusListCredential(await (await fetch(url)).text(), createDidResolver({ allowHttpLoopback: true }), { issuer: acme.did, clock }), 'expired', 'status_list_expiry');
  });

  it('a list shorter than 131,072 entries, and one with a broken signature', async () => {
    const url = `${origin}/status/short`;
    const short = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: acme.did,
      validFrom: '2029-12-31T00:00:00Z',
      credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: `u${base64urlEncode(gzipSync(Buffer.alloc(1024)))}` },
    };
    serve('/status/short', signJwt({ alg: 'EdDSA', typ: 'vc+jwt', kid: acme.keyId }, short, acme.keyPair));
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 1))), 'malformed_input', 'status_list_length');
    const good = await revocations.credential();
    serve('/status/revocation', `${good.slice(0, -4)}AAAA`);
    await expectCode(verifier().verify(credentialWithStatus(entry(revocations.url, 1))), 'invalid_signature');
  });

  it('entries it cannot decide are refused, never skipped', async () => {
    const { verify } = verifier();
    await expectCode(verify(credentialWithStatus({ ...entry(revocations.url, 1), statusPurpose: 'message' })), 'malformed_input', 'credential_status');
    await expectCode(verify(credentialWithStatus({ ...entry(revocations.url, 1), statusSize: 2 })), 'malformed_input', 'credential_status');
    await expectCode(verify(credentialWithStatus({ ...entry(revocations.url, 1), type: 'StatusList2021Entry' })), 'malformed_input', 'credential_status');
    await expectCode(verify(credentialWithStatus(entry('ftp://127.0.0.1/list', 1) as never)), 'malformed_input', 'status_list_url');
    await expectCode(verify(credentialWithStatus([] as never)), 'malformed_input', 'credential_status');
  });

  it('a list signed by an issuer whose clock runs ahead: within the tolerance, then beyond it', async () => {
    const url = `${origin}/status/ahead`;
    const bits = new Uint8Array(16_384);
    serve('/status/ahead', await issueStatusListCredential(acme, { id: url, statusPurpose: 'revocation', bits, validFrom: T0 + 30_000, clock }));
    await verifier().verify(credentialWithStatus(entry(url, 1)));
    serve('/status/ahead', await issueStatusListCredential(acme, { id: url, statusPurpose: 'revocation', bits, validFrom: T0 + 120_000, clock }));
    await expectCode(verifier().verify(credentialWithStatus(entry(url, 1))), 'status_unavailable', 'status_list_expiry');
  });

  it('keeps at most maxCacheBytes of lists, dropping the oldest', async () => {
    const resolver = createDidResolver({ allowHttpLoopback: true, clock });
    const statusLists = createStatusListResolver(resolver, { allowHttpLoopback: true, clock, maxCacheBytes: 16_384 });
    const fetched = () => (server.hits.get('/status/revocation') ?? 0) + (server.hits.get('/status/suspension') ?? 0);
    const before = fetched();
    await statusLists.resolve(revocations.url, acme.did);
    await statusLists.resolve(revocations.url, acme.did);
    expect(fetched() - before).toBe(1);
    await statusLists.resolve(suspensions.url, acme.did);
    await statusLists.resolve(revocations.url, acme.did);
    expect(fetched() - before).toBe(3);
  });

  it('https only, unless loopback HTTP is allowed', async () => {
    const resolver = createDidResolver({ allowHttpLoopback: true, clock });
    const strict = createStatusListResolver(resolver, { clock });
    await expectCode(strict.resolve(revocations.url, acme.did), 'malformed_input', 'status_list_url');
  });
});

describe('keeping lists in files', () => {
  it('allocations and flips persist and are seen by another process sharing the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-'));
    const url = `${origin}/status/file-revocation`;
    const open = async () => StatusList.open({ issuer: acme, url, statusPurpose: 'revocation', store: await FileStatusListStore.open(dir), ttlMs: TTL, clock });
    const issuerSide = await open();
    serveStatus = statusListHandler([issuerSide]);
    const vcs = await Promise.all(Array.from({ length: 5 }, () => issueOwnershipCredential(acme, { agent: agent.did, status: issuerSide, clock })));
    const { verify, statusLists } = verifier();
    for (const vc of vcs) await verify(vc);
    // "another process": a second StatusList over its own store object on the same directory
    await revokeCredential(vcs[2]!, await open());
    statusLists.clear();
    await expectCode(verify(vcs[2]!), 'revoked');
    await verify(vcs[1]!);
    expect(await (await open()).get(Number((await verify(vcs[1]!)).credentialStatus![0]!.statusListIndex))).toBe(false);
    await expect(StatusList.open({ issuer: other, url, statusPurpose: 'revocation', store: await FileStatusListStore.open(dir) })).rejects.toBeInstanceOf(TypeError);
  });

  it('the encoded list decodes to the stored bits', async () => {
    const e = await revocations.allocate();
    await revocations.set(Number(e.statusListIndex), true);
    const jwt = await revocations.credential();
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
    const bits = await decodeStatusList(payload.credentialSubject.encodedList);
    const i = Number(e.statusListIndex);
    expect((bits[i >> 3]! >> (7 - (i & 7))) & 1).toBe(1);
    expect(bits.reduce((n, b) => n + (b === 0 ? 0 : 1), 0)).toBe(1);
  });
});
