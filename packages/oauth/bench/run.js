// pnpm bench for @agent-id/oauth: the in-process cost of each token exchange, as a ratio to
// its own floor measured natively (node:crypto) in the same run. The audit sink keeps records
// in memory: everything but the durable audit write is included. Proofs, tokens and the
// user's ID token are made beforehand, as clients and the identity provider would.
//  1. a 5-hop capability for an access token. Floor: the token's 11 Ed25519 signatures, the
//     actor proof's 1, and one ES256 signing (the access token; the service signs with
//     node:crypto too). Signature cache off, so every signature of the token is checked.
//  2. an ID token for a root capability. Floor: the ID token's RS256 signature, the actor
//     proof's and the ownership credential's Ed25519 signatures, one Ed25519 signing (the
//     Biscuit's authority block).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { KeyPair } from '@agent-id/core';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { createProof } from '@agent-id/http';
import { measure, measureAsync, printTable } from '@agent-id/test-support/bench';
import { attenuate, configureSignatureCache, mintCapability } from '@agent-id/tokens';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { AccessTokenKeys, TOKEN_EXCHANGE_GRANT, TOKEN_TYPES, TokenService } from '../dist/index.js';

const ISSUER = 'https://tokens.acme.example';
const IDP = 'https://login.acme.example';
const API = 'https://orders.acme.example/api';
const org = createAgentIdentity();
const rootKey = KeyPair.generate('Ed25519');
const agents = Array.from({ length: 6 }, () => createAgentIdentity());
const credentials = await Promise.all(agents.map((a) => issueOwnershipCredential(org, { agent: a.did })));
const idpKeys = await generateKeyPair('RS256', { extractable: true });
const idpJwk = { ...(await exportJWK(idpKeys.publicKey)), kid: 'idp-1', alg: 'RS256' };
const scopes = { 'orders.read': { resources: ['api:/orders/*'], actions: ['read'] } };
let appended = 0;
const service = new TokenService({
  issuer: ISSUER,
  organisation: org.did,
  rootKey,
  identityProviders: [{ issuer: IDP, audience: 'token-service', jwks: { keys: [idpJwk] }, algorithms: ['RS256'] }],
  scopes,
  agentPolicy: () => ({ scopes: ['orders.read'], audience: [API], maxDepth: 8 }),
  consents: { consented: () => ['orders.read'] },
  apis: { [API]: { scopes: ['orders.read'] } },
  accessTokenKeys: await AccessTokenKeys.generate({ alg: 'ES256' }),
  resolver: createDidResolver(),
  trustedIssuers: [org.did],
  audit: { append: async (record) => ({ seq: appended++, prevHash: '', hash: '', record }) },
});

function body(subjectToken, subjectType, agent, extra = {}) {
  return new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subjectToken, subject_token_type: subjectType, actor_token: credentials[agent], actor_token_type: TOKEN_TYPES.ownershipCredential, ...extra }).toString();
}
const proofFor = (agent, token) => createProof(agents[agent], { method: 'POST', url: service.tokenEndpoint, token });

async function chainTo(n) {
  let token = await mintCapability(
    { onBehalfOf: `${IDP}#alice`, holder: agents[0].did, task: 't', resources: ['api:/orders/*'], actions: ['read'], audience: [API], expiresAt: Math.floor(Date.now() / 1000) + 3600, maxDepth: 8 },
    { format: 'biscuit', rootKey, issuer: org.did },
  );
  for (let i = 1; i <= n; i++) token = await attenuate(token, { to: agents[i].did, signer: agents[i - 1].keyPair, trustedRoots: rootKey.publicKey });
  return token.serialize();
}

// Floors, natively.
const msg = randomBytes(200);
const edKeys = agents.slice(0, 5).map((a) => ({ key: createPublicKey({ key: a.keyPair.publicKey.toJwk(), format: 'jwk' }), sig: a.keyPair.sign(msg) }));
const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaSig = sign('sha256', msg, rsa.privateKey);
const edPriv = createPrivateKey({ key: rootKey.exportPrivateJwk(), format: 'jwk' });
function floorCapabilityToAccessToken() {
  let ok = true;
  for (let i = 0; i < 12; i++) ok &&= verify(null, msg, edKeys[i % 5].key, edKeys[i % 5].sig);
  return ok && sign('sha256', msg, { key: es.privateKey, dsaEncoding: 'ieee-p1363' });
}
function floorLoginToCapability() {
  let ok = verify('sha256', msg, rsa.publicKey, rsaSig);
  for (let i = 0; i < 2; i++) ok &&= verify(null, msg, edKeys[i].key, edKeys[i].sig);
  return ok && sign(null, msg, edPriv);
}

const idToken = await new SignJWT({ sub: 'alice' })
  .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
  .setIssuer(IDP)
  .setAudience('token-service')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(idpKeys.privateKey);
const token5 = await chainTo(5);
const check = async (r) => {
  if (!r.ok) throw new Error(`bench setup refused: ${r.body.error} ${r.body.code} ${r.body.check}`);
  return r;
};
await check(await service.exchange({ body: body(idToken, TOKEN_TYPES.idToken, 0), dpop: proofFor(0, idToken) }));
await check(await service.exchange({ body: body(token5, TOKEN_TYPES.biscuit, 5, { resource: API }), dpop: proofFor(5, token5) }));

const FLOOR_B = 'floor: 12 Ed25519 verifies + 1 ES256 sign (node:crypto)';
const EXCHANGE_B = 'exchange a 5-hop capability for an access token';
const FLOOR_A = 'floor: 1 RS256 verify + 2 Ed25519 verifies + 1 Ed25519 sign (node:crypto)';
const EXCHANGE_A = 'exchange an ID token for a root capability (Biscuit)';
const best = (a, b) => (!a || b.medianUs < a.medianUs ? b : a);
const rounds = {};
const ITER = 100;
configureSignatureCache({ maxEntries: 0 });
for (let round = 0; round < 3; round++) {
  const proofsB = Array.from({ length: ITER * 7 + 120 }, () => proofFor(5, token5));
  const proofsA = Array.from({ length: ITER * 7 + 120 }, () => proofFor(0, idToken));
  const formB = body(token5, TOKEN_TYPES.biscuit, 5, { resource: API });
  const formA = body(idToken, TOKEN_TYPES.idToken, 0);
  let i = 0;
  let j = 0;
  const rows = [
    measure(FLOOR_B, floorCapabilityToAccessToken, { iterations: 200 }),
    await measureAsync(EXCHANGE_B, async () => check(await service.exchange({ body: formB, dpop: proofsB[i++] })), { iterations: ITER, warmup: 100 }),
    measure(FLOOR_A, floorLoginToCapability, { iterations: 200 }),
    await measureAsync(EXCHANGE_A, async () => check(await service.exchange({ body: formA, dpop: proofsA[j++] })), { iterations: ITER, warmup: 100 }),
  ];
  for (const r of rows) rounds[r.name] = best(rounds[r.name], r);
}
configureSignatureCache();
console.log('token exchange (in process; proofs made beforehand; audit records kept in memory)');
printTable([rounds[FLOOR_B], rounds[EXCHANGE_B]], FLOOR_B);
printTable([rounds[FLOOR_A], rounds[EXCHANGE_A]], FLOOR_A);
if (appended < 1000) throw new Error('the sink saw too few records');
