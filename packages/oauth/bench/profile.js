// Where an exchange's CPU time goes: `node bench/profile.js capability|login|svid [N]` (after
// `pnpm build`) runs N exchanges (default 3000) under the inspector's sampling profiler, the
// signature cache off as in bench/run.js, and prints the 45 frames with the most inclusive
// time (self time with --self).
import { Session } from 'node:inspector/promises';
import { KeyPair } from '@agent-id/core';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { createProof } from '@agent-id/http';
import { attenuate, configureSignatureCache, mintCapability } from '@agent-id/tokens';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { AccessTokenKeys, TOKEN_EXCHANGE_GRANT, TOKEN_TYPES, TokenService } from '../dist/index.js';

const which = process.argv[2] ?? 'capability';
const N = Number(process.argv[3] ?? 3000);
const selfTime = process.argv.includes('--self');
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
const service = new TokenService({
  issuer: ISSUER,
  organisation: org.did,
  rootKey,
  identityProviders: [{ issuer: IDP, audience: 'token-service', jwks: { keys: [idpJwk] }, algorithms: ['RS256'] }],
  scopes: { 'orders.read': { resources: ['api:/orders/*'], actions: ['read'] } },
  agentPolicy: () => ({ scopes: ['orders.read'], audience: [API], maxDepth: 8 }),
  consents: { consented: () => ['orders.read'] },
  apis: { [API]: { scopes: ['orders.read'] } },
  accessTokenKeys: await AccessTokenKeys.generate({ alg: 'ES256' }),
  resolver: createDidResolver(),
  trustedIssuers: [org.did],
  workloads: { bundles },
  audit: { append: async (record) => ({ seq: 0, prevHash: '', hash: '', record }) },
});
const idToken = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'idp-1' }).setIssuer(IDP).setAudience('token-service').setIssuedAt().setExpirationTime('1h').sign(idpKeys.privateKey);
const svid = await new SignJWT({ sub: WORKLOAD, aud: [ISSUER] }).setProtectedHeader({ alg: 'ES256', kid: 'spire-1', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(spire.privateKey);
let token = await mintCapability(
  { onBehalfOf: `${IDP}#alice`, holder: agents[0].did, task: 't', resources: ['api:/orders/*'], actions: ['read'], audience: [API], expiresAt: Math.floor(Date.now() / 1000) + 3600, maxDepth: 8 },
  { format: 'biscuit', rootKey, issuer: org.did },
);
for (let i = 1; i <= 5; i++) token = await attenuate(token, { to: agents[i].did, signer: agents[i - 1].keyPair, trustedRoots: rootKey.publicKey });
const token5 = token.serialize();
const form = (fields) => new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, ...fields }).toString();
const cases = {
  capability: { agent: 5, subject: token5, body: form({ subject_token: token5, subject_token_type: TOKEN_TYPES.biscuit, actor_token: credentials[5], actor_token_type: TOKEN_TYPES.ownershipCredential, resource: API }) },
  login: { agent: 0, subject: idToken, body: form({ subject_token: idToken, subject_token_type: TOKEN_TYPES.idToken, actor_token: credentials[0], actor_token_type: TOKEN_TYPES.ownershipCredential }) },
  svid: { agent: 0, subject: idToken, body: form({ subject_token: idToken, subject_token_type: TOKEN_TYPES.idToken, actor_token: svid, actor_token_type: TOKEN_TYPES.jwtSvid, actor_credential: credentials[0] }) },
};
const c = cases[which];
if (c === undefined) throw new Error('capability, login or svid');
configureSignatureCache({ maxEntries: 0 });
const proofs = Array.from({ length: N + 200 }, () => createProof(agents[c.agent], { method: 'POST', url: service.tokenEndpoint, token: c.subject }));
let p = 0;
const run = async () => {
  const r = await service.exchange({ body: c.body, dpop: proofs[p++] });
  if (!r.ok) throw new Error(`refused: ${r.body.code} ${r.body.check}`);
};
for (let i = 0; i < 200; i++) await run();
globalThis.gc?.();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
const used = process.cpuUsage();
for (let i = 0; i < N; i++) await run();
const { user, system } = process.cpuUsage(used);
const { profile } = await session.post('Profiler.stop');
console.log(`${which}: ${((user + system) / N).toFixed(0)} µs CPU per exchange (profiled)`);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const sums = new Map();
for (const [id, t] of self) {
  if (selfTime) {
    const k = name(byId.get(id));
    sums.set(k, (sums.get(k) ?? 0) + t);
    continue;
  }
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = name(byId.get(cur));
    if (!seen.has(k)) sums.set(k, (sums.get(k) ?? 0) + t);
    seen.add(k);
  }
}
for (const [k, t] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${((100 * t) / total).toFixed(1).padStart(6)}%  ${(t / N).toFixed(1).padStart(7)} µs  ${k}`);
// --tree NAME: the call tree below the frames named NAME (merged by name), frames of 0.5% or more.
const treeAt = process.argv.indexOf('--tree');
if (treeAt > 0) {
  const root = process.argv[treeAt + 1];
  const inclusive = new Map();
  const incl = (id) => {
    if (inclusive.has(id)) return inclusive.get(id);
    const n = byId.get(id);
    const t = (self.get(id) ?? 0) + (n.children ?? []).reduce((a, c) => a + incl(c), 0);
    inclusive.set(id, t);
    return t;
  };
  const merged = (ids) => {
    const groups = new Map();
    for (const id of ids) {
      const k = name(byId.get(id));
      const g = groups.get(k) ?? { t: 0, ids: [] };
      g.t += incl(id);
      g.ids.push(id);
      groups.set(k, g);
    }
    return [...groups].sort((a, b) => b[1].t - a[1].t);
  };
  const print = (ids, depth) => {
    for (const [k, g] of merged(ids)) {
      if (g.t / total < 0.005 || depth > 12) continue;
      console.log(`${((100 * g.t) / total).toFixed(1).padStart(6)}% ${(g.t / N).toFixed(1).padStart(7)} µs ${'  '.repeat(depth)}${k}`);
      print(g.ids.flatMap((id) => byId.get(id).children ?? []), depth + 1);
    }
  };
  const tops = profile.nodes.filter((n) => n.callFrame.functionName === root && !(() => { for (let c = parent.get(n.id); c !== undefined; c = parent.get(c)) if (byId.get(c).callFrame.functionName === root) return true; return false; })()).map((n) => n.id);
  console.log(`\nbelow ${root}:`);
  print(tops, 0);
}
// --packages: self time by where the code lives (a workspace package, a dependency, node's own, native).
if (process.argv.includes('--packages')) {
  const groups = new Map();
  for (const [id, t] of self) {
    const n = byId.get(id);
    const url = n.callFrame.url;
    const m = url.match(/packages\/([^/]+)\/dist\/(.*)$/) ?? url.match(/node_modules\/(?:\.pnpm\/)?([^/]+)/);
    const k = m ? (m[2] ? `${m[1]}/${m[2].split('/').slice(0, -1).join('/') || '.'}` : m[1]) : url.startsWith('node:') ? 'node:*' : `${n.callFrame.functionName || url || '(native)'}`;
    groups.set(k, (groups.get(k) ?? 0) + t);
  }
  console.log('\nself time by place:');
  for (const [k, t] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((100 * t) / total).toFixed(1).padStart(6)}%  ${(t / N).toFixed(1).padStart(7)} µs  ${k}`);
}
