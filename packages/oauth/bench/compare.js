// This checkout against another (BASE), in one process, interleaved: rounds of K exchanges of
// a 5-hop capability for an access token with each build, alternating which goes first, each
// batch a ratio to the floor batch (bench/run.js's: 12 Ed25519 verifies + 1 ES256 sign, with
// node:crypto) timed just before it; the medians of those ratios, by CPU time (user + system
// of this process) and wall clock, and the median of each round's ratio of the two builds'
// exchange CPU. Then the same for `authorize` of the token alone. On a shared machine this
// compares two builds where separate runs cannot. Signature cache off in both, as in bench/run.js.
//   BASE=/path/to/other/checkout/packages node bench/compare.js   (both built)
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { loadBuilds } from '@agent-id/test-support/bench';
const { work: w, base: b } = await loadBuilds(new URL('../../', import.meta.url), ['core', 'did', 'tokens', 'http', 'oauth']);
const ISSUER = 'https://tokens.acme.example';
const IDP = 'https://login.acme.example';
const API = 'https://orders.acme.example/api';
const org = w.did.createAgentIdentity();
const rootKey = w.core.KeyPair.generate('Ed25519');
const agents = Array.from({ length: 6 }, () => w.did.createAgentIdentity());
const credential = await w.did.issueOwnershipCredential(org, { agent: agents[5].did });
const serviceOf = async (lib) =>
  new lib.oauth.TokenService({
    issuer: ISSUER,
    organisation: org.did,
    rootKey: lib.core.KeyPair.fromJwk(rootKey.exportPrivateJwk()),
    identityProviders: [],
    scopes: { 'orders.read': { resources: ['api:/orders/*'], actions: ['read'] } },
    agentPolicy: () => ({ scopes: ['orders.read'], audience: [API], maxDepth: 8 }),
    apis: { [API]: { scopes: ['orders.read'] } },
    accessTokenKeys: await lib.oauth.AccessTokenKeys.generate({ alg: 'ES256' }),
    resolver: lib.did.createDidResolver(),
    trustedIssuers: [org.did],
    audit: { append: async (record) => ({ seq: 0, prevHash: '', hash: '', record }) },
  });
const sw = await serviceOf(w);
const sb = await serviceOf(b);
let token = await w.tokens.mintCapability(
  { onBehalfOf: `${IDP}#alice`, holder: agents[0].did, task: 't', resources: ['api:/orders/*'], actions: ['read'], audience: [API], expiresAt: Math.floor(Date.now() / 1000) + 3600, maxDepth: 8 },
  { format: 'biscuit', rootKey, issuer: org.did },
);
for (let i = 1; i <= 5; i++) token = await w.tokens.attenuate(token, { to: agents[i].did, signer: agents[i - 1].keyPair, trustedRoots: rootKey.publicKey });
const token5 = token.serialize();
const body = new URLSearchParams({ grant_type: w.oauth.TOKEN_EXCHANGE_GRANT, subject_token: token5, subject_token_type: w.oauth.TOKEN_TYPES.biscuit, actor_token: credential, actor_token_type: w.oauth.TOKEN_TYPES.ownershipCredential, resource: API }).toString();
const proof = () => w.http.createProof(agents[5], { method: 'POST', url: sw.tokenEndpoint, token: token5 });
for (const lib of [w, b]) lib.tokens.configureSignatureCache({ maxEntries: 0 });
const exchange = async (s, dpop) => {
  const r = await s.exchange({ body, dpop });
  if (!r.ok) throw new Error(`refused: ${r.body.code} ${r.body.check}`);
};
for (let i = 0; i < 150; i++) for (const s of [sw, sb]) await exchange(s, proof());
const msg = randomBytes(200);
const ed = agents.slice(0, 5).map((a) => ({ key: createPublicKey({ key: a.keyPair.publicKey.toJwk(), format: 'jwk' }), sig: a.keyPair.sign(msg) }));
const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const floor = () => {
  let ok = true;
  for (let i = 0; i < 12; i++) ok &&= verify(null, msg, ed[i % 5].key, ed[i % 5].sig);
  return ok && sign('sha256', msg, { key: es.privateKey, dsaEncoding: 'ieee-p1363' });
};
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const K = Number(process.env.K ?? 40);
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const rows = { cpuW: [], cpuB: [], wallW: [], wallB: [], pair: [], authW: [], authB: [], authPair: [] };
// authorize of the same 5-hop token alone (bench/run.js's "part: authorize"), each build with its own parsed token.
const authorizeOf = (lib) => {
  const capability = lib.tokens.CapabilityToken.parse(token5);
  const trustedRoots = lib.core.PublicKey.fromMultibase(rootKey.publicKey.toMultibase());
  return () => lib.tokens.authorize(capability, { request: { resource: 'api:/orders/*', action: 'read', audience: API }, presenter: agents[5].did, trustedRoots });
};
const authorizeW = authorizeOf(w);
const authorizeB = authorizeOf(b);
for (let i = 0; i < 100; i++) for (const f of [authorizeW, authorizeB]) await f();
for (let round = 0; round < ROUNDS; round++) {
  const proofs = Array.from({ length: 2 * K }, proof);
  let pi = 0;
  const order = round % 2 ? ['W', 'B'] : ['B', 'W'];
  const exchangeCpu = {};
  for (const o of order) {
    let c = cpu();
    let t = performance.now();
    for (let i = 0; i < K; i++) floor();
    const floorCpu = cpu() - c;
    const floorWall = performance.now() - t;
    const s = o === 'W' ? sw : sb;
    c = cpu();
    t = performance.now();
    for (let i = 0; i < K; i++) await exchange(s, proofs[pi++]);
    exchangeCpu[o] = cpu() - c;
    rows[`cpu${o}`].push(exchangeCpu[o] / floorCpu);
    rows[`wall${o}`].push((performance.now() - t) / floorWall);
  }
  rows.pair.push(exchangeCpu.W / exchangeCpu.B);
  const authorizeCpu = {};
  for (const o of order) {
    const c = cpu();
    for (let i = 0; i < K; i++) floor();
    const floorCpu = cpu() - c;
    const f = o === 'W' ? authorizeW : authorizeB;
    const a = cpu();
    for (let i = 0; i < K; i++) await f();
    authorizeCpu[o] = cpu() - a;
    rows[`auth${o}`].push(authorizeCpu[o] / floorCpu);
  }
  rows.authPair.push(authorizeCpu.W / authorizeCpu.B);
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`5-hop capability → access token, exchange ÷ floor, median of ${ROUNDS} rounds of ${K}:`);
console.log(`  CPU time: BASE ${med(rows.cpuB).toFixed(3)}×  this ${med(rows.cpuW).toFixed(3)}×  (this/BASE ${(med(rows.cpuW) / med(rows.cpuB)).toFixed(3)})`);
console.log(`  this build's exchange CPU ÷ BASE's in the same round: median ${med(rows.pair).toFixed(3)} (quartiles ${[...rows.pair].sort((x, y) => x - y)[rows.pair.length >> 2].toFixed(3)}–${[...rows.pair].sort((x, y) => x - y)[(3 * rows.pair.length) >> 2].toFixed(3)})`);
console.log(`  wall:     BASE ${med(rows.wallB).toFixed(3)}×  this ${med(rows.wallW).toFixed(3)}×`);
console.log(`authorize of the 5-hop token alone ÷ the same floor, CPU: BASE ${med(rows.authB).toFixed(3)}×  this ${med(rows.authW).toFixed(3)}×; same-round ratio this ÷ BASE ${med(rows.authPair).toFixed(3)}`);
