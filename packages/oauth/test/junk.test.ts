import { expectCode, junkValues } from '@agent-id/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES, verifySubjectToken } from '../src/index.js';
import { type Service, post, startService } from './fixture.js';
import { type Idp, startIdp } from './idp.js';

let idp: Idp;
let s: Service;

beforeAll(async () => {
  idp = await startIdp();
  s = await startService(idp);
});

afterAll(async () => {
  await s.close();
  await idp.close();
});

it('answers junk in the body or the DPoP header with a coded OAuth error, never a crash', async () => {
  for (const body of junkValues) {
    const r = await s.service.exchange({ body: body as string, dpop: undefined });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.body.error).toBe('invalid_request');
      expect(['malformed_input', 'input_too_large']).toContain(r.body.code);
    }
  }
  const form = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: 'x', subject_token_type: TOKEN_TYPES.idToken, actor_token: 'y', actor_token_type: TOKEN_TYPES.ownershipCredential }).toString();
  for (const dpop of junkValues) {
    const r = await s.service.exchange({ body: form, dpop: dpop as string });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(['invalid_dpop_proof', 'invalid_request']).toContain(r.body.error);
      expect(typeof r.body.code).toBe('string');
    }
  }
});

it('refuses repeated parameters, a missing grant, a foreign token type and junk subject tokens, each with its code', async () => {
  const base = { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: 'a.b.c', subject_token_type: TOKEN_TYPES.idToken, actor_token: s.credentials[0]!, actor_token_type: TOKEN_TYPES.ownershipCredential };
  const twice = `${new URLSearchParams(base).toString()}&subject_token=again`;
  const r1 = await s.service.exchange({ body: twice, dpop: undefined });
  expect(r1.ok ? undefined : r1.body).toMatchObject({ error: 'invalid_request', code: 'malformed_input', check: 'parameters' });
  const r2 = await s.service.exchange({ body: new URLSearchParams({ ...base, grant_type: 'password' }).toString(), dpop: undefined });
  expect(r2.ok ? undefined : r2.body).toMatchObject({ error: 'unsupported_grant_type', code: 'malformed_input', check: 'unsupported_grant_type' });
  const { grant_type: _, ...noGrant } = base;
  const r4 = await s.service.exchange({ body: new URLSearchParams(noGrant).toString(), dpop: undefined });
  expect(r4.ok ? undefined : r4.body).toMatchObject({ error: 'invalid_request', code: 'malformed_input', check: 'grant_type' });
  const r3 = await s.service.exchange({ body: new URLSearchParams({ ...base, subject_token_type: 'urn:x' }).toString(), dpop: undefined });
  expect(r3.ok ? undefined : r3.body).toMatchObject({ error: 'invalid_request', check: 'subject_token_type' });
  for (const junk of junkValues) {
    const r = await post(s, { subjectToken: typeof junk === 'string' && junk !== '' ? junk : 'not-a-jwt', subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: s.credentials[0]! });
    if (r.status === 413) expect(r.body.code).toBe('input_too_large');
    else {
      expect(r.body.error).toBe('invalid_grant');
      expect(['malformed_input', 'untrusted_issuer']).toContain(r.body.code);
    }
  }
  for (const junk of junkValues) {
    const error = await verifySubjectToken(junk, [{ issuer: idp.issuer, audience: 'x' }], { tokenType: TOKEN_TYPES.idToken }).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    expect(['malformed_input', 'untrusted_issuer']).toContain(error?.code);
  }
  await expectCode(verifySubjectToken('a.b.c', [], { tokenType: 'urn:nope' }), 'malformed_input', 'subject_token_type');
});

it('serves only its routes: 404 elsewhere, 405 for GET /token, 400 for a body that is not a form', async () => {
  expect((await fetch(`${s.origin}/elsewhere`)).status).toBe(404);
  expect((await fetch(s.tokenEndpoint)).status).toBe(405);
  const r = await fetch(s.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(r.status).toBe(400);
  expect(await r.json()).toMatchObject({ error: 'invalid_request', code: 'malformed_input', check: 'content_type' });
  const big = await fetch(s.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a='.padEnd(70_000, 'x') });
  expect(big.status).toBe(413);
  expect(r.headers.get('cache-control')).toBe('no-store');
});
