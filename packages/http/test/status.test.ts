import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatusList, createStatusListResolver, createDidResolver, issueOwnershipCredential, reinstateCredential, revokeCredential, suspendCredential } from '@agent-id/did';
import { statusListHandler } from '@agent-id/did/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProof } from '../src/index.js';
import { type GuardedServer, type Parties, USER, chain, guardedServer, parties, signerOf } from './fixture.js';

let p: Parties;
let s: GuardedServer;
let lists: StatusList[];
let statusServer: ReturnType<typeof createServer>;
const statusLists = createStatusListResolver(createDidResolver(), { allowHttpLoopback: true });

beforeAll(async () => {
  p = await parties();
  statusServer = createServer();
  await new Promise<void>((resolve) => statusServer.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(statusServer.address() as AddressInfo).port}`;
  lists = [
    await StatusList.open({ issuer: p.org, url: `${origin}/status/revocation`, statusPurpose: 'revocation' }),
    await StatusList.open({ issuer: p.org, url: `${origin}/status/suspension`, statusPurpose: 'suspension' }),
  ];
  const serve = statusListHandler(lists);
  statusServer.on('request', (req, res) => {
    if (!serve(req, res)) res.writeHead(404).end();
  });
  s = await guardedServer(p, { statusLists });
});
afterAll(async () => {
  await s.close();
  statusServer.closeAllConnections();
  await new Promise((resolve) => statusServer.close(resolve));
});

describe('ownership credentials with a status list', () => {
  it('a credential sent once is re-checked against its status list on every request: suspended, reinstated, revoked', async () => {
    const agent = p.agents[1]!;
    const credential = await issueOwnershipCredential(p.org, { agent: agent.did, onBehalfOf: USER, status: lists });
    const token = (await chain(p, s.origin, 1)).serialize();
    const url = `${s.origin}/orders/3`;
    const call = async (withCredential: boolean) => {
      const headers: Record<string, string> = { authorization: `DPoP ${token}`, dpop: createProof(signerOf(agent), { method: 'GET', url, token }) };
      if (withCredential) headers['agent-credential'] = credential;
      const response = await fetch(url, { headers });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect((await call(true)).status).toBe(200);
    expect((await call(false)).status).toBe(200);
    await suspendCredential(credential, lists);
    statusLists.clear(); // verifiers see a change once their copy is older than the list's ttl
    expect(await call(false)).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'suspended', check: 'credential_status' } });
    await reinstateCredential(credential, lists);
    statusLists.clear(); // verifiers see a change once their copy is older than the list's ttl
    expect((await call(false)).status).toBe(200);
    await revokeCredential(credential, lists);
    statusLists.clear(); // verifiers see a change once their copy is older than the list's ttl
    expect(await call(false)).toMatchObject({ status: 401, body: { code: 'revoked', check: 'credential_status' } });
    expect(await call(true)).toMatchObject({ status: 401, body: { code: 'revoked', check: 'credential_status' } });
  });

  it('a guard given no status lists refuses a credential that carries a status (fails closed)', async () => {
    const plain = await guardedServer(p);
    try {
      const agent = p.agents[2]!;
      const credential = await issueOwnershipCredential(p.org, { agent: agent.did, onBehalfOf: USER, status: lists });
      const token = (await chain(p, plain.origin, 2)).serialize();
      const url = `${plain.origin}/orders/3`;
      const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: createProof(signerOf(agent), { method: 'GET', url, token }), 'agent-credential': credential } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'status_unavailable' });
    } finally {
      await plain.close();
    }
  });
});
