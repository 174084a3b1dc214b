import { manualClock } from '@agent-id/core';
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { expect, it } from 'vitest';
import { AccessTokenKeys } from '../src/index.js';

it('publishes an old key for its overlap after a rotation, then drops it', async () => {
  const clock = manualClock(Date.parse('2026-12-01T10:00:00Z'));
  const keys = await AccessTokenKeys.generate({ overlapSec: 600, clock });
  const old = keys.sign({ aud: 'https://api.example', exp: Math.floor(clock() / 1000) + 300 }, 'at+jwt');
  await keys.rotate();
  const fresh = keys.sign({ aud: 'https://api.example', exp: Math.floor(clock() / 1000) + 300 }, 'at+jwt');
  expect(keys.jwks().keys).toHaveLength(2);
  const at = new Date(clock());
  await jwtVerify(old, createLocalJWKSet(keys.jwks()), { currentDate: at, typ: 'at+jwt' });
  await jwtVerify(fresh, createLocalJWKSet(keys.jwks()), { currentDate: at, typ: 'at+jwt' });
  clock.advance(600_000);
  expect(keys.jwks().keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(fresh).kid]);
  await expect(jwtVerify(old, createLocalJWKSet(keys.jwks()), { currentDate: at })).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
});

it('signs with every algorithm it offers, verified by jose, and never publishes a private member', async () => {
  for (const alg of ['ES256', 'EdDSA', 'RS256', 'PS256'] as const) {
    const keys = await AccessTokenKeys.generate({ alg });
    const jwt = keys.sign({ sub: 'alice' }, 'at+jwt');
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(keys.jwks()), { algorithms: [alg] });
    expect(payload.sub).toBe('alice');
    expect(protectedHeader.alg).toBe(alg);
    expect(JSON.stringify(keys.jwks())).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const imported = await AccessTokenKeys.fromPrivateJwk({ ...(await exportJWK(privateKey)), alg: 'ES256' });
  await jwtVerify(imported.sign({ sub: 'bob' }, 'at+jwt'), createLocalJWKSet(imported.jwks()));
  expect(JSON.stringify(imported.jwks())).not.toContain('"d"');
  await expect(AccessTokenKeys.fromPrivateJwk({ kty: 'EC', alg: 'ES256' })).rejects.toThrow(TypeError);
});

it('names the signing key and the type asked for in every header: each key encodes its header once per type, for a bounded number of types', async () => {
  const keys = await AccessTokenKeys.generate({ alg: 'EdDSA' });
  const types = [...Array.from({ length: 24 }, (_, i) => `t${i}+jwt`), 'at+jwt', 'at+jwt'];
  for (const typ of types) {
    const jwt = keys.sign({ sub: 'alice', typ }, typ);
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(keys.jwks()), { typ });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: keys.jwks().keys[0]!.kid, typ });
    expect(payload.typ).toBe(typ);
  }
  // After a rotation the new key's kid is in the header, not the one its predecessor encoded.
  const before = decodeProtectedHeader(keys.sign({}, 'at+jwt')).kid;
  await keys.rotate();
  const after = decodeProtectedHeader(keys.sign({}, 'at+jwt')).kid;
  expect(after).not.toBe(before);
  expect(after).toBe(keys.jwks().keys[0]!.kid);
});
