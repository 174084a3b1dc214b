import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatusList, createAgentIdentity, createDidResolver, createStatusListResolver, issueOwnershipCredential, revokeCredential, suspendCredential } from '@agent-id/did';
import { statusListHandler } from '@agent-id/did/node';
import { expectCode } from '@agent-id/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TrustPolicy, signAgentCard, verifyAgentCard } from '../src/index.js';
import { type Domain, makeCard, startDomain } from './helpers.js';

let acme: Domain;
let lists: StatusList[];
const statusServer = createServer();
const resolver = () => createDidResolver({ allowHttpLoopback: true, timeoutMs: 2_000 });

beforeAll(async () => {
  acme = await startDomain();
  await new Promise<void>((resolve) => statusServer.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(statusServer.address() as AddressInfo).port}`;
  lists = [
    await StatusList.open({ issuer: acme.org, url: `${origin}/status/revocation`, statusPurpose: 'revocation' }),
    await StatusList.open({ issuer: acme.org, url: `${origin}/status/suspension`, statusPurpose: 'suspension' }),
  ];
  const serve = statusListHandler(lists);
  statusServer.on('request', (req, res) => {
    if (!serve(req, res)) res.writeHead(404).end();
  });
});
afterAll(async () => {
  await acme.close();
  statusServer.closeAllConnections();
  await new Promise((resolve) => statusServer.close(resolve));
});

describe('the ownership rule checks the credential status list', () => {
  it("a decommissioned agent's card fails its ownership check, naming the status check; its sibling's passes", async () => {
    const statusLists = createStatusListResolver(resolver(), { allowHttpLoopback: true });
    const policy = (credential: string): TrustPolicy => ({ signers: [{ did: acme.org.did }], ownership: { credential, statusLists } });
    const [a, b] = [createAgentIdentity(), createAgentIdentity()];
    const [vcA, vcB] = await Promise.all([a, b].map((x) => issueOwnershipCredential(acme.org, { agent: x.did, status: lists })));
    const cardA = signAgentCard(signAgentCard(makeCard(acme.origin), a), acme.org);
    const cardB = signAgentCard(signAgentCard(makeCard(acme.origin), b), acme.org);
    expect((await verifyAgentCard(cardA, resolver(), policy(vcA!))).ownership?.credentialStatus).toHaveLength(2);
    await suspendCredential(vcB!, lists);
    await revokeCredential(vcA!, lists);
    statusLists.clear();
    await expectCode(verifyAgentCard(cardA, resolver(), policy(vcA!)), 'revoked', 'credential_status');
    await expectCode(verifyAgentCard(cardB, resolver(), policy(vcB!)), 'suspended', 'credential_status');
    const sibling = createAgentIdentity();
    const vcC = await issueOwnershipCredential(acme.org, { agent: sibling.did, status: lists });
    const cardC = signAgentCard(signAgentCard(makeCard(acme.origin), sibling), acme.org);
    expect((await verifyAgentCard(cardC, resolver(), policy(vcC))).ownership?.agent).toBe(sibling.did);
    // Without status lists, a credential that carries a status is not taken on trust.
    await expectCode(verifyAgentCard(cardC, resolver(), { signers: [{ did: acme.org.did }], ownership: { credential: vcC } }), 'status_unavailable');
  });
});
