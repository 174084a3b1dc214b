// pnpm bench for @agent-id/oauth: the in-process cost of each token exchange, as a ratio to
// its own floor measured natively (node:crypto) in the same run. The audit sink keeps records
// in memory: everything but the durable audit write is included. Proofs, tokens, the user's
// ID token and the workload's JWT-SVID are made beforehand, as clients, the identity provider
// and SPIRE would.
//  1. a 5-hop capability for an access token. Floor: the token's 11 Ed25519 signatures, the
//     actor proof's 1, and one ES256 signing (the access token; the service signs with
//     node:crypto too). Signature cache off, so every signature of the token is checked.
//  2. an ID token for a root capability. Floor: the ID token's RS256 signature, the actor
//     proof's and the ownership credential's Ed25519 signatures, one Ed25519 signing (the
//     Biscuit's authority block). (The credential is cached after its first use: the floor
//     counts it anyway.)
//  3. the same with a JWT-SVID (ES256) as actor token: its signature is added to the floor.
// Below each exchange, its parts measured alone against the same floor: where the time goes.
// Each batch is timed twice: wall clock (as every bench here) and this process's CPU time
// (user + system), which a machine shared with other work distorts far less. Every check of
// these exchanges runs on the main thread (node:crypto, synchronously), so CPU time is their cost.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { KeyPair } from '@agent-id/core';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { ReplayCache, createProof, verifyProof } from '@agent-id/http';
import { printTable } from '@agent-id/test-support/bench';
import { CapabilityToken, attenuate, authorize, configureSignatureCache, mintCapability } from '@agent-id/tokens';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { AccessTokenKeys, TOKEN_EXCHANGE_GRANT, TOKEN_TYPES, TokenService, verifyJwtSvid, verifySubjectToken } from '../dist/index.js';

const ISSUER = 'https://tokens.acme.example';
const IDP = 'https://login.acme.example';
const API = 'https://orders.acme.example/api';
const WORKLOAD = 'spiffe://acme.example/ns/agents/sa/orchestrator';
const org = createAgentIdentity();
const rootKey = KeyPair.generate('Ed25519');
const agents = Array.from({ length: 6 }, () => createAgentIdentity());
const credentials = await Promise.all(agents.map((a) => issueOwnershipCredential(org, { agent: a.did, workload: WORKLOAD })));
const idpKeys = await generateKeyPair('RS256', { extractable: true });
const idpJwk = { ...(await exportJWK(idpKeys.publicKey)), kid: 'idp-1', alg: 'RS256' };
const spire = await generateKeyPair('ES256', { extractable: true });
const bundles = { 'acme.example': { keys: [{ ...(await exportJWK(spire.publicKey)), kid: 'spire-1', use: 'jwt-svid' }] } };
const scopes = { 'orders.read': { resources: ['api:/orders/*'], actions: ['read'] } };
const providers = [{ issuer: IDP, audience: 'token-service', jwks: { keys: [idpJwk] }, algorithms: ['RS256'] }];
let appended = 0;
const service = new TokenService({
  issuer: ISSUER,
  organisation: org.did,
  rootKey,
  identityProviders: providers,
  scopes,
  agentPolicy: () => ({ scopes: ['orders.read'], audience: [API], maxDepth: 8 }),
  consents: { consented: () => ['orders.read'] },
  apis: { [API]: { scopes: ['orders.read'] } },
  accessTokenKeys: await AccessTokenKeys.generate({ alg: 'ES256' }),
  resolver: createDidResolver(),
  trustedIssuers: [org.did],
  workloads: { bundles },
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

/** Times `fn` in batches; returns rows (median µs per call) by wall clock and by CPU time. */
async function timed(name, fn, { batches = 7, iterations = 200, warmup = Math.max(20, iterations) } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const wall = [];
  const cpu = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    const used = process.cpuUsage();
    for (let i = 0; i < iterations; i++) await fn();
    const { user, system } = process.cpuUsage(used);
    wall.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
    cpu.push((user + system) / iterations);
  }
  const rowOf = (list) => {
    list.sort((x, y) => x - y);
    return { name, medianUs: list[list.length >> 1], minUs: list[0], maxUs: list.at(-1), batches, iterations };
  };
  return { wall: rowOf(wall), cpu: rowOf(cpu) };
}

// Floors, natively.
const msg = randomBytes(200);
const edKeys = agents.slice(0, 5).map((a) => ({ key: createPublicKey({ key: a.keyPair.publicKey.toJwk(), format: 'jwk' }), sig: a.keyPair.sign(msg) }));
const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const esSig = sign('sha256', msg, { key: es.privateKey, dsaEncoding: 'ieee-p1363' });
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
function floorLoginWithSvid() {
  return verify('sha256', msg, { key: es.publicKey, dsaEncoding: 'ieee-p1363' }, esSig) && floorLoginToCapability();
}

const idToken = await new SignJWT({ sub: 'alice' })
  .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
  .setIssuer(IDP)
  .setAudience('token-service')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(idpKeys.privateKey);
const svid = await new SignJWT({ sub: WORKLOAD, aud: [ISSUER] })
  .setProtectedHeader({ alg: 'ES256', kid: 'spire-1', typ: 'JWT' })
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(spire.privateKey);
const token5 = await chainTo(5);
const capability5 = CapabilityToken.parse(token5);
const check = async (r) => {
  if (!r.ok) throw new Error(`bench setup refused: ${r.body.error} ${r.body.code} ${r.body.check}`);
  return r;
};
const formB = body(token5, TOKEN_TYPES.biscuit, 5, { resource: API });
const formA = body(idToken, TOKEN_TYPES.idToken, 0);
const formS = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: idToken, subject_token_type: TOKEN_TYPES.idToken, actor_token: svid, actor_token_type: TOKEN_TYPES.jwtSvid, actor_credential: credentials[0] }).toString();
await check(await service.exchange({ body: formA, dpop: proofFor(0, idToken) }));
await check(await service.exchange({ body: formS, dpop: proofFor(0, idToken) }));
await check(await service.exchange({ body: formB, dpop: proofFor(5, token5) }));

const FLOOR_B = 'floor: 12 Ed25519 verifies + 1 ES256 sign (node:crypto)';
const EXCHANGE_B = 'exchange a 5-hop capability for an access token';
const FLOOR_A = 'floor: 1 RS256 verify + 2 Ed25519 verifies + 1 Ed25519 sign (node:crypto)';
const EXCHANGE_A = 'exchange an ID token for a root capability (Biscuit)';
const FLOOR_S = 'floor: + 1 ES256 verify (the JWT-SVID)';
const EXCHANGE_S = 'the same, the actor a JWT-SVID (ES256) + credential';
const PART_AUTHORIZE = '  part: authorize the 5-hop token (@agent-id/tokens)';
const PART_PROOF = '  part: verify the DPoP proof (@agent-id/http)';
const PART_SUBJECT = '  part: verifySubjectToken (RS256 ID token)';
const PART_MINT = '  part: mint the Biscuit (@agent-id/tokens)';
const PART_SVID = '  part: verifyJwtSvid (ES256)';
const best = (a, b) => (!a || b.medianUs < a.medianUs ? b : a);
const rounds = { wall: {}, cpu: {} };
// Each round's own ratio too: the floor and the exchange of one round see the same load.
const ratios = { wall: { [EXCHANGE_B]: [], [EXCHANGE_A]: [], [EXCHANGE_S]: [] }, cpu: { [EXCHANGE_B]: [], [EXCHANGE_A]: [], [EXCHANGE_S]: [] } };
const ROUNDS = 5;
const ITER = 100;
const replay = new ReplayCache();
const resolver = createDidResolver();
const capability = () => ({ onBehalfOf: `${IDP}#alice`, holder: agents[0].did, task: 't', resources: ['api:/orders/*'], actions: ['read'], audience: [API], expiresAt: Math.floor(Date.now() / 1000) + 600, maxDepth: 3 });
configureSignatureCache({ maxEntries: 0 });
// Round 0 warms every path up (the exchanges' first rounds read 1.5–2.5× the later ones)
// and is not recorded.
for (let round = 0; round <= ROUNDS; round++) {
  // Proofs are good for 60 s: a fresh set each round.
  const pool = (agent, token) => Array.from({ length: ITER * 7 + 120 }, () => proofFor(agent, token));
  const [proofsB, proofsB2, proofsA, proofsS] = [pool(5, token5), pool(5, token5), pool(0, idToken), pool(0, idToken)];
  let [b, b2, a, s] = [0, 0, 0, 0];
  const rows = [
    await timed(FLOOR_B, floorCapabilityToAccessToken, { iterations: 200 }),
    await timed(EXCHANGE_B, async () => check(await service.exchange({ body: formB, dpop: proofsB[b++] })), { iterations: ITER, warmup: 100 }),
    await timed(PART_AUTHORIZE, () => authorize(capability5, { request: { resource: 'api:/orders/*', action: 'read', audience: API }, presenter: agents[5].did, trustedRoots: rootKey.publicKey }), { iterations: ITER }),
    await timed(PART_PROOF, () => verifyProof(proofsB2[b2++], { method: 'POST', url: service.tokenEndpoint, token: token5, resolver, replay }), { iterations: ITER, warmup: 100 }),
    await timed(FLOOR_A, floorLoginToCapability, { iterations: 200 }),
    await timed(EXCHANGE_A, async () => check(await service.exchange({ body: formA, dpop: proofsA[a++] })), { iterations: ITER, warmup: 100 }),
    await timed(PART_SUBJECT, () => verifySubjectToken(idToken, providers, { tokenType: TOKEN_TYPES.idToken }), { iterations: ITER }),
    await timed(PART_MINT, () => mintCapability(capability(), { format: 'biscuit', rootKey, issuer: org.did }), { iterations: ITER }),
    await timed(FLOOR_S, floorLoginWithSvid, { iterations: 200 }),
    await timed(EXCHANGE_S, async () => check(await service.exchange({ body: formS, dpop: proofsS[s++] })), { iterations: ITER, warmup: 100 }),
    await timed(PART_SVID, () => verifyJwtSvid(svid, bundles, { audience: ISSUER }), { iterations: ITER }),
  ];
  if (round === 0) continue;
  for (const clock of ['wall', 'cpu']) {
    for (const r of rows) rounds[clock][r.wall.name] = best(rounds[clock][r.wall.name], r[clock]);
    const median = (name) => rows.find((r) => r.wall.name === name)[clock].medianUs;
    ratios[clock][EXCHANGE_B].push(median(EXCHANGE_B) / median(FLOOR_B));
    ratios[clock][EXCHANGE_A].push(median(EXCHANGE_A) / median(FLOOR_A));
    ratios[clock][EXCHANGE_S].push(median(EXCHANGE_S) / median(FLOOR_S));
  }
}
configureSignatureCache();
for (const clock of ['wall', 'cpu']) {
  const r = rounds[clock];
  console.log(`\ntoken exchange, ${clock === 'wall' ? 'wall clock' : 'CPU time of this process'} (in process; proofs made beforehand; audit records kept in memory; best of ${ROUNDS} rounds)`);
  printTable([r[FLOOR_B], r[EXCHANGE_B], r[PART_AUTHORIZE], r[PART_PROOF]], FLOOR_B);
  printTable([r[FLOOR_A], r[EXCHANGE_A], r[PART_SUBJECT], r[PART_MINT]], FLOOR_A);
  printTable([r[FLOOR_S], r[EXCHANGE_S], r[PART_SVID]], FLOOR_S);
  console.log(`per round, exchange ÷ its floor measured just before it, ${clock} (median of the rounds in brackets):`);
  for (const [name, list] of Object.entries(ratios[clock])) {
    const sorted = [...list].sort((x, y) => x - y);
    console.log(`  ${name}: ${list.map((x) => x.toFixed(2)).join(', ')}  [${sorted[sorted.length >> 1].toFixed(2)}]`);
  }
}
if (appended < 1500) throw new Error('the sink saw too few records');
