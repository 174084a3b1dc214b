import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOKEN_TYPES } from '../src/index.js';
import { type Service, post, startService } from './fixture.js';
import { CLIENT_ID, type Idp, SERVICE_RESOURCE, logInFor, startIdp } from './idp.js';

let idp: Idp;
let s: Service;

beforeAll(async () => {
  idp = await startIdp();
  s = await startService(idp, { identityProviders: [{ issuer: idp.issuer, audience: [CLIENT_ID, SERVICE_RESOURCE] }] });
});

afterAll(async () => {
  await s.close();
  await idp.close();
});

it('takes the scopes Alice granted in the provider\'s RFC 9068 access token as her consent', async () => {
  const { accessToken, idToken } = await logInFor(idp, 'alice', CLIENT_ID, { resource: SERVICE_RESOURCE, scope: 'orders.read' });
  expect(decodeProtectedHeader(accessToken).typ).toBe('at+jwt');
  expect(decodeJwt(accessToken).scope).toContain('orders.read');
  const r = await post(s, { subjectToken: accessToken, subjectType: TOKEN_TYPES.accessToken, by: s.agents[0]!, credential: s.credentials[0]! });
  expect(r.status).toBe(200);
  expect(r.body.scope).toBe('orders.read');
  const wider = await post(s, { subjectToken: accessToken, subjectType: TOKEN_TYPES.accessToken, by: s.agents[0]!, credential: s.credentials[0]!, params: { scope: 'orders.read orders.write' } });
  expect(wider.body).toMatchObject({ error: 'invalid_scope', code: 'scope_widened', check: 'consent' });
  // One kind of token is never taken for the other.
  const swapped = await post(s, { subjectToken: idToken, subjectType: TOKEN_TYPES.accessToken, by: s.agents[0]!, credential: s.credentials[0]! });
  expect(swapped.body).toMatchObject({ error: 'invalid_grant', code: 'malformed_input', check: 'subject_type' });
  const swapped2 = await post(s, { subjectToken: accessToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: s.credentials[0]! });
  expect(swapped2.body).toMatchObject({ error: 'invalid_grant', code: 'malformed_input', check: 'subject_type' });
});
