// Card verification with a key the verifier pinned and with a cached JWKS it named, for each
// algorithm, as a ratio to one native node:crypto verify of the same algorithm over the same
// signing input, measured in the same run. Goal: <= 1.5x for a pinned key and a cached JWKS.
import { constants, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { createDidResolver } from '@agent-id/did';
import { canonicalizeAgentCard, createJwksCache, verifyAgentCard } from '../dist/index.js';
import { card } from './card.js';

const payloadB64 = Buffer.from(canonicalizeAgentCard(card)).toString('base64url');

const ALGS = {
  EdDSA: { gen: ['ed25519'], hash: null, opts: {} },
  ES256: { gen: ['ec', { namedCurve: 'P-256' }], hash: 'sha256', opts: { dsaEncoding: 'ieee-p1363' } },
  ES384: { gen: ['ec', { namedCurve: 'P-384' }], hash: 'sha384', opts: { dsaEncoding: 'ieee-p1363' } },
  ES512: { gen: ['ec', { namedCurve: 'P-521' }], hash: 'sha512', opts: { dsaEncoding: 'ieee-p1363' } },
  RS256: { gen: ['rsa', { modulusLength: 2048 }], hash: 'sha256', opts: {} },
  PS256: { gen: ['rsa', { modulusLength: 2048 }], hash: 'sha256', opts: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } },
};

// ALGS=RS256,PS256 runs only those.
for (const alg of Object.keys(ALGS)) if (process.env.ALGS && !process.env.ALGS.split(',').includes(alg)) delete ALGS[alg];
const keys = {};
for (const [alg, a] of Object.entries(ALGS)) {
  const { publicKey, privateKey } = generateKeyPairSync(...a.gen);
  const kid = `${alg.toLowerCase()}-1`;
  const protectedB64 = Buffer.from(JSON.stringify({ alg, kid, typ: 'JOSE' })).toString('base64url');
  const input = Buffer.from(`${protectedB64}.${payloadB64}`);
  const signature = sign(a.hash, input, { key: privateKey, ...a.opts });
  keys[alg] = {
    kid,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid },
    keyObject: createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' }),
    input,
    signature,
    signed: { ...card, signatures: [{ protected: protectedB64, signature: signature.toString('base64url') }] },
    // Cards never verified before (each its own text: the verifier keeps the canonical forms
    // of cards it verified, by text), signed beforehand.
    fresh: (n) =>
      Array.from({ length: n }, (_, i) => {
        const other = { ...card, version: `1.2.${i + 1}` };
        const b64 = Buffer.from(canonicalizeAgentCard(other)).toString('base64url');
        const s = sign(a.hash, Buffer.from(`${protectedB64}.${b64}`), { key: privateKey, ...a.opts });
        return { ...other, signatures: [{ protected: protectedB64, signature: s.toString('base64url') }] };
      }),
  };
}

const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: Object.values(keys).map((k) => k.jwk) })));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const jwksUrl = `http://127.0.0.1:${server.address().port}/jwks.json`;
const jwksCache = createJwksCache({ allowHttpLoopback: true });
const resolver = createDidResolver();
const hosts = ['agents.globex.example'];

console.log(`card: ${JSON.stringify(Object.values(keys)[0].signed).length} bytes, one signature, plain kid; JWKS on 127.0.0.1 (cached after the first fetch)`);
// On a shared machine the load drifts within seconds, so the rows of one algorithm are timed
// interleaved: small batches of each in turn, 61 rounds. Each row's µs is its median batch;
// its ratio is the median, over the rounds, of its batch over the native batch of the same
// round (taken a few milliseconds apart, so a burst of load weighs on both). The ratio of
// the two medians, this bench's figure before, is printed beside it. The same paired ratios
// by this process's CPU time (user + system) follow: time the process spent preempted by
// other processes (longer batches are preempted more often) is not in them.
const ROUNDS = 61;
const PER = 40;
const WARMUP = 200;
async function interleaved(fns, { rounds = ROUNDS, per = PER } = {}) {
  const times = fns.map(() => []);
  const cpus = fns.map(() => []);
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  for (let w = 0; w < WARMUP; w++) for (const fn of fns) await fn();
  for (let r = 0; r < rounds; r++) {
    for (const [i, fn] of fns.entries()) {
      const c = cpu();
      const t = performance.now();
      for (let n = 0; n < per; n++) await fn();
      times[i].push(((performance.now() - t) * 1000) / per);
      cpus[i].push((cpu() - c) / per);
    }
  }
  const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
  const pairedTo = (rows) => rows.map((list) => median(list.map((t, r) => t / rows[0][r])));
  return { medians: times.map(median), paired: pairedTo(times), pairedCpu: pairedTo(cpus) };
}
const results = [];
for (const [alg, a] of Object.entries(ALGS)) {
  const k = keys[alg];
  const pinned = { signers: [{ jwk: k.jwk, hosts }] };
  const named = { signers: [{ jwks: jwksUrl, hosts }] };
  for (const policy of [pinned, named]) {
    const v = await verifyAgentCard(k.signed, resolver, policy, { jwksCache });
    if (v.signers[0]?.alg !== alg) throw new Error(`${alg} did not verify`);
  }
  const fresh = k.fresh(ROUNDS * PER + WARMUP);
  let f = 0;
  const { medians, paired, pairedCpu } = await interleaved([
    () => verify(a.hash, k.input, { key: k.keyObject, ...a.opts }, k.signature),
    () => canonicalizeAgentCard(k.signed),
    () => verifyAgentCard(k.signed, resolver, pinned, { jwksCache }),
    () => verifyAgentCard(k.signed, resolver, named, { jwksCache }),
    () => verifyAgentCard(fresh[f++], resolver, pinned, { jwksCache }),
  ]);
  const [base, floor, p, j, n] = medians;
  console.log(`${alg}: native verify ${base.toFixed(1)} µs, canonical form alone ${floor.toFixed(1)} µs, pinned key ${p.toFixed(1)} µs, cached JWKS ${j.toFixed(1)} µs, first-seen card (pinned key) ${n.toFixed(1)} µs`);
  results.push([alg, paired[2], paired[3], base, floor, paired[4], `${(p / base).toFixed(2)} / ${(j / base).toFixed(2)} / ${(n / base).toFixed(2)}`, pairedCpu]);
}
console.log('\n| alg | native verify µs | canonical form alone µs | pinned key × native | cached JWKS × native | first-seen card, pinned key × native | ratio of medians (pinned / JWKS / first-seen) | goal |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [alg, p, j, us, floor, n, old] of results) console.log(`| ${alg} | ${us.toFixed(1)} | ${floor.toFixed(1)} | ${p.toFixed(2)} | ${j.toFixed(2)} | ${n.toFixed(2)} | ${old} | ≤ 1.5 |`);
console.log('\nCPU time, paired the same way (× native verify): pinned key / cached JWKS / first-seen card');
for (const [alg, , , , , , , c] of results) console.log(`${alg}: ${c[2].toFixed(2)} / ${c[3].toFixed(2)} / ${c[4].toFixed(2)}`);
server.close();
