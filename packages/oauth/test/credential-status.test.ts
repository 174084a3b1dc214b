import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatusList, createDidResolver, createStatusListResolver, issueOwnershipCredential, revokeCredential } from '@agent-id/did';
import { statusListHandler } from '@agent-id/did/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOKEN_TYPES } from '../src/index.js';
import { type Service, consent, post, startService } from './fixture.js';
import { type Idp, logIn, startIdp } from './idp.js';

let idp: Idp;
let s: Service;
let lists: Server;

beforeAll(async () => {
  idp = await startIdp();
  s = await startService(idp, { statusLists: createStatusListResolver(createDidResolver(), { allowHttpLoopback: true }) });
  consent(s, idp, 'alice', 0, ['orders.read']);
  consent(s, idp, 'alice', 1, ['orders.read']);
});

afterAll(async () => {
  lists?.closeAllConnections();
  await new Promise((resolve) => lists?.close(resolve));
  await s.close();
  await idp.close();
});

it("reads the status list of a credential that carries one: a revoked agent's credential is refused, another's accepted", async () => {
  let serve: ReturnType<typeof statusListHandler> = () => false;
  lists = createServer((req, res) => {
    if (!serve(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => lists.listen(0, '127.0.0.1', resolve));
  const list = await StatusList.open({ issuer: s.org, url: `http://127.0.0.1:${(lists.address() as AddressInfo).port}/status/revocation`, statusPurpose: 'revocation' });
  serve = statusListHandler([list]);
  const [good, revoked] = await Promise.all([0, 1].map((i) => issueOwnershipCredential(s.org, { agent: s.agents[i]!.did, status: [list] })));
  await revokeCredential(revoked!, list);
  const idToken = await logIn(idp, 'alice');
  expect((await post(s, { subjectToken: idToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: good! })).status).toBe(200);
  const r = await post(s, { subjectToken: idToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[1]!, credential: revoked! });
  expect(r.body).toMatchObject({ error: 'unauthorized_client', code: 'revoked', check: 'credential_status' });
  // Cached after its first verification, the good credential's status is still read on every use.
  expect((await post(s, { subjectToken: idToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: good! })).status).toBe(200);
});
