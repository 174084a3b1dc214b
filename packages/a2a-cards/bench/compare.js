// This checkout against another (BASE, the `packages` folder of a built checkout), in one
// process: card verification with a pinned key, the same card again and cards never seen
// before, each batch a ratio to a batch of native verifies of the same algorithm timed just
// before it, by wall clock and by this process's CPU time; medians. ALG=EdDSA|ES256|RS256|PS256.
import { constants, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { card } from './card.js';
const W = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
const B = process.env.BASE;
if (!B) throw new Error('set BASE to the packages folder of a built checkout to compare with');
const lw = await import(`${W}/a2a-cards/dist/index.js`), lb = await import(`${B}/a2a-cards/dist/index.js`);
const { createDidResolver } = await import(`${W}/did/dist/index.js`);
const alg = process.env.ALG ?? 'EdDSA';
const A = { EdDSA: [['ed25519'], null, {}], ES256: [['ec', { namedCurve: 'P-256' }], 'sha256', { dsaEncoding: 'ieee-p1363' }], RS256: [['rsa', { modulusLength: 2048 }], 'sha256', {}], PS256: [['rsa', { modulusLength: 2048 }], 'sha256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }] }[alg];
const { publicKey, privateKey } = generateKeyPairSync(...A[0]);
const kid = 'k-1'; const prot = Buffer.from(JSON.stringify({ alg, kid, typ: 'JOSE' })).toString('base64url');
const mk = (c) => { const b64 = Buffer.from(lw.canonicalizeAgentCard(c)).toString('base64url'); const input = Buffer.from(`${prot}.${b64}`); const s = sign(A[1], input, { key: privateKey, ...A[2] }); return { input, s, signed: { ...c, signatures: [{ protected: prot, signature: s.toString('base64url') }] } }; };
const one = mk(card);
const jwk = { ...publicKey.export({ format: 'jwk' }), kid }; const ko = createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' });
const policy = { signers: [{ jwk, hosts: ['agents.globex.example'] }] }; const resolver = createDidResolver();
const PAIRS = Number(process.env.PAIRS ?? 40), K = 40;
const fresh = Array.from({ length: PAIRS * K * 2 + 100 }, (_, i) => mk({ ...card, version: `1.2.${i + 1}` }).signed); let fi = 0;
for (const l of [lw, lb]) for (let i = 0; i < 100; i++) await l.verifyAgentCard(one.signed, resolver, policy);
for (let i = 0; i < 50; i++) { await lw.verifyAgentCard(fresh[fi++], resolver, policy); await lb.verifyAgentCard(fresh[fi++], resolver, policy); }
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const rows = {};
const push = (k, v) => (rows[k] ??= []).push(v);
for (let p = 0; p < PAIRS; p++) {
  let c0 = cpu(), t0 = performance.now(); for (let i = 0; i < K; i++) verify(A[1], one.input, { key: ko, ...A[2] }, one.s); const bw = performance.now() - t0, bc = cpu() - c0;
  for (const [name, fn] of (p % 2 ? [['W', lw], ['B', lb]] : [['B', lb], ['W', lw]]).flatMap(([n, l]) => [[`${n} same`, () => l.verifyAgentCard(one.signed, resolver, policy)], [`${n} first-seen`, () => l.verifyAgentCard(fresh[fi++], resolver, policy)]])) {
    c0 = cpu(); t0 = performance.now(); for (let i = 0; i < K; i++) await fn(); push(`${name} wall`, (performance.now() - t0) / bw); push(`${name} cpu`, (cpu() - c0) / bc);
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1].toFixed(2); };
console.log(alg, Object.keys(rows).sort().map((k) => `${k} ${med(rows[k])}`).join(' | '));
