// This checkout against another (BASE), in one process, interleaved: batches of K calls of
// each, alternating which goes first, each batch a ratio to the native Ed25519 verify batch
// timed just before it; the medians of those ratios. On a loaded machine this compares two
// builds where separate runs cannot (the load moves between runs, not within a round).
// Figures: the guarded request and a first-seen 5-hop token, as in guarded-request.js. Each
// batch is timed twice: wall clock, and this process's CPU time (user + system), which other
// work on a shared machine distorts far less.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { loadBuilds } from '@agent-id/test-support/bench';
// BASE: the `packages` folder of another checkout, built (`pnpm build`), e.g. main's.
const { work: w, base: b } = await loadBuilds(new URL('../../', import.meta.url), ['core', 'did', 'tokens', 'http']);
const { KeyPair } = w.core; const { createAgentIdentity, issueOwnershipCredential } = w.did;
const RESOURCE = 'https://tools.example/api';
const org = createAgentIdentity(); const rootKey = KeyPair.generate('Ed25519');
const agents = Array.from({ length: 6 }, () => createAgentIdentity());
const USER = 'did:web:acme.example:users:alice';
async function chainTo(n) {
  let t = await w.tokens.mintCapability({ onBehalfOf: USER, holder: agents[0].did, task: 't', resources: ['api:/orders/*'], actions: ['read'], audience: [RESOURCE], expiresAt: Math.floor(Date.now() / 1000) + 3600, maxDepth: 8 }, { format: 'biscuit', rootKey, issuer: org.did });
  for (let i = 1; i <= n; i++) t = await w.tokens.attenuate(t, { to: agents[i].did, signer: agents[i - 1].keyPair, trustedRoots: rootKey.publicKey });
  return t;
}
const token3 = (await chainTo(3)).serialize(); const holder = agents[3];
const credential = await issueOwnershipCredential(org, { agent: holder.did, onBehalfOf: USER });
const url = 'https://tools.example/orders/42';
const mk = (lib) => {
  const pub = lib.core.PublicKey.fromMultibase(rootKey.publicKey.toMultibase());
  return new lib.http.HttpGuard({ resource: RESOURCE, map: lib.http.routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]), resolver: lib.did.createDidResolver(), trustedIssuers: [org.did], trustedRoots: [pub], audit: { append: async (record) => ({ seq: 0, prevHash: '', hash: '', record }) } });
};
const gw = mk(w), gb = mk(b);
// The header as a server's HTTP parser hands it over: one flat string, not a rope per call.
const authorization = Buffer.from(`DPoP ${token3}`, 'latin1').toString('latin1');
const request = (proof, wc) => ({ method: 'GET', target: '/orders/42', header: (n) => (n === 'authorization' ? authorization : n === 'dpop' ? proof : n === 'agent-credential' && wc ? credential : undefined) });
for (const g of [gw, gb]) { const d = await g.check(request(w.http.createProof(holder, { method: 'GET', url, token: token3 }), true)); if (d.decision !== 'allow') throw new Error(d.code); }
const msg = randomBytes(200); const sig = holder.keyPair.sign(msg);
const ko = createPublicKey({ key: holder.keyPair.publicKey.toJwk(), format: 'jwk' });
const PAIRS = Number(process.env.PAIRS ?? 100), K = 30;
let proofs = []; let pi = 0;
// 5-hop first seen
const parent4 = await chainTo(4);
const req5 = { resource: 'api:/orders/1', action: 'read', audience: RESOURCE };
const five = await Promise.all(Array.from({ length: PAIRS * K * 2 + 10 }, () => w.tokens.attenuate(parent4, { to: agents[5].did, signer: agents[4].keyPair, trustedRoots: rootKey.publicKey })));
const fiveText = five.map((t) => t.serialize());
for (const lib of [w, b]) await lib.tokens.authorize(parent4.serialize(), { request: req5, presenter: agents[4].did, trustedRoots: lib.core.PublicKey.fromMultibase(rootKey.publicKey.toMultibase()) });
const rootW = w.core.PublicKey.fromMultibase(rootKey.publicKey.toMultibase()), rootB = b.core.PublicKey.fromMultibase(rootKey.publicKey.toMultibase());
let fi = 0;
const rows = { gW: [], gB: [], fW: [], fB: [], base: [], cgW: [], cgB: [], cfW: [], cfB: [] };
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
for (let k = 0; k < PAIRS; k++) {
  proofs = Array.from({ length: K * 2 }, () => w.http.createProof(holder, { method: 'GET', url, token: token3 })); pi = 0;
  let c = cpu(); let t = performance.now(); for (let i = 0; i < K; i++) verify(null, msg, ko, sig); const base = (performance.now() - t) / K; const baseCpu = (cpu() - c) / K;
  let lastCpu = 0;
  const time = async (fn) => { const c0 = cpu(); const t0 = performance.now(); for (let i = 0; i < K; i++) await fn(); lastCpu = (cpu() - c0) / K; return (performance.now() - t0) / K; };
  const order = k % 2 ? ['W', 'B'] : ['B', 'W'];
  for (const o of order) {
    const g = o === 'W' ? gw : gb;
    rows[`g${o}`].push((await time(async () => { const d = await g.check(request(proofs[pi++], false)); if (d.decision !== 'allow') throw new Error(d.code); })) / base);
    rows[`cg${o}`].push(lastCpu / baseCpu);
  }
  if (!process.env.NOFIVE) for (const o of order) {
    const lib = o === 'W' ? w : b; const root = o === 'W' ? rootW : rootB;
    rows[`f${o}`].push((await time(() => lib.tokens.authorize(fiveText[fi++], { request: req5, presenter: agents[5].did, trustedRoots: root }))) / base);
    rows[`cf${o}`].push(lastCpu / baseCpu);
  }
  rows.base.push(base * 1000);
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const m = (a) => (a.length ? med(a).toFixed(2) : '-');
console.log(`(PAIRS=${PAIRS}, K=${K}) verify median ${med(rows.base).toFixed(1)} us; wall: guarded BASE ${m(rows.gB)}x this ${m(rows.gW)}x; 5-hop first-seen BASE ${m(rows.fB)}x this ${m(rows.fW)}x`);
console.log(`CPU time: guarded BASE ${m(rows.cgB)}x this ${m(rows.cgW)}x; 5-hop first-seen BASE ${m(rows.cfB)}x this ${m(rows.cfW)}x`);
