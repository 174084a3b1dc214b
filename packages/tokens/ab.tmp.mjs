// A/B of tokens internals: BASE (/work/base) against this checkout, interleaved, in one process.
import { KeyPair } from '@agent-id/core';
import { createAgentIdentity } from '@agent-id/did';
import { attenuate, mintCapability, authorize } from '@agent-id/tokens';
const W = '/work/main/packages/tokens/dist', B = '/work/base/packages/tokens/dist';
const load = async (d) => ({ env: await import(`${d}/biscuit/proto/envelope.js`), block: await import(`${d}/biscuit/proto/block.js`), chain: await import(`${d}/biscuit/chain.js`), limits: await import(`${d}/limits.js`) });
const w = await load(W), b = await load(B);
const RESOURCE = 'https://tools.example/api';
const org = createAgentIdentity(); const rootKey = KeyPair.generate('Ed25519');
const agents = Array.from({ length: 6 }, () => createAgentIdentity());
let token = await mintCapability({ onBehalfOf: 'did:web:u', holder: agents[0].did, task: 't', resources: ['api:/orders/*'], actions: ['read'], audience: [RESOURCE], expiresAt: Math.floor(Date.now() / 1000) + 3600, maxDepth: 8 }, { format: 'biscuit', rootKey, issuer: org.did });
for (let i = 1; i <= 5; i++) token = await attenuate(token, { to: agents[i].did, signer: agents[i - 1].keyPair, trustedRoots: rootKey.publicKey });
const bytes = token.toBytes();
const subjects = {
  readSerialized: (m) => m.env.readSerialized(bytes),
  readBlockHop: (m) => m.block.readBlock(m.env.readSerialized(bytes).blocks[5].block),
  readChain: (m) => m.chain.readChain(bytes, m.limits.DEFAULT_LIMITS),
};
const K = 200, ROUNDS = 40;
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
for (const [name, fn] of Object.entries(subjects)) {
  const r = [], tw = [], tb = [];
  for (let i = 0; i < 500; i++) { fn(w); fn(b); }
  for (let k = 0; k < ROUNDS; k++) {
    const order = k % 2 ? [w, b] : [b, w]; const t = new Map();
    for (const m of order) { const s = process.hrtime.bigint(); for (let i = 0; i < K; i++) fn(m); t.set(m, Number(process.hrtime.bigint() - s) / 1e3 / K); }
    r.push(t.get(w) / t.get(b)); tw.push(t.get(w)); tb.push(t.get(b));
  }
  console.log(`${name.padEnd(16)} base ${med(tb).toFixed(2)} us, this ${med(tw).toFixed(2)} us, this/base ${med(r).toFixed(2)}`);
}
