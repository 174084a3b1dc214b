// A load run over loopback with autocannon (a real load generator, in this process), 16
// connections: the guarded endpoint (a fresh proof per request, signed here as a client
// would; a durable audit log) against a bare node:http endpoint verifying one Ed25519
// signature per request (its client signs one per request too). Throughput ratio, p99
// latency, and the guarded server's RSS sampled over the run (BENCH_REQUESTS, default
// 1,000,000 requests; BENCH_CONNECTIONS, default 16; LOAD_SERVER_ARGS, Node flags for the
// servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` to profile the guarded one).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { KeyPair } from '@agent-id/core';
import { createAgentIdentity, issueOwnershipCredential } from '@agent-id/did';
import { attenuate, mintCapability } from '@agent-id/tokens';
import { createProof } from '../dist/index.js';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 1_000_000);
const BARE_SECONDS = Number(process.env.BENCH_BARE_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const org = createAgentIdentity();
const rootKey = KeyPair.generate('Ed25519');
const agents = [createAgentIdentity(), createAgentIdentity()];
const config = { org: org.did, root: rootKey.publicKey.toMultibase(), agentJwk: agents[1].keyPair.publicKey.toJwk() };

async function start(kind) {
  const child = spawn(process.execPath, [...(process.env.LOAD_SERVER_ARGS ? process.env.LOAD_SERVER_ARGS.split(' ') : []), new URL('./load-server.js', import.meta.url).pathname, kind], {
    env: { ...process.env, LOAD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { child, origin };
}

// CPU seconds used so far by the server (utime + stime, clock ticks of 1/100 s) and by this
// process (the generator), to tell which side a run is bound by.
const serverCpu = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0) / 100;
const generatorCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
function cpuShare(pid) {
  const t0 = performance.now(), s0 = serverCpu(pid), g0 = generatorCpu();
  return () => { const wall = (performance.now() - t0) / 1000; return { server: (serverCpu(pid) - s0) / wall, generator: (generatorCpu() - g0) / wall }; };
}

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

function run(url, amountOrDuration, setupRequest) {
  const { origin, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const options = { url: origin, connections: CONNECTIONS, pipelining: 1, ...amountOrDuration, requests: [{ method: 'GET', path: pathname, setupRequest }] };
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on('error', reject);
  });
}

// Bare: one signature verified per request.
const bare = await start('bare');
const bareCpu = cpuShare(bare.child.pid);
const bareResult = await run(`${bare.origin}/x`, { duration: BARE_SECONDS }, (req) => {
  const msg = randomBytes(32);
  req.headers = { ...req.headers, 'x-msg': msg.toString('base64url'), 'x-sig': Buffer.from(agents[1].keyPair.sign(msg)).toString('base64url') };
  return req;
});
const bareShare = bareCpu();
bare.child.kill('SIGTERM');

// Guarded: a two-hop token, a fresh proof per request, credential sent once beforehand.
const guarded = await start('guarded');
const resource = guarded.origin;
let token = await mintCapability(
  { onBehalfOf: 'did:web:acme.example:users:alice', holder: agents[0].did, task: 'load', resources: ['api:/orders/*'], actions: ['read'], audience: [resource], expiresAt: Math.floor(Date.now() / 1000) + 86_400, maxDepth: 3 },
  { format: 'biscuit', rootKey, issuer: org.did },
);
token = (await attenuate(token, { to: agents[1].did, signer: agents[0].keyPair, trustedRoots: rootKey.publicKey })).serialize();
const credential = await issueOwnershipCredential(org, { agent: agents[1].did });
const url = `${resource}/orders/42`;
const first = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: createProof(agents[1], { method: 'GET', url, token }), 'agent-credential': credential } });
if (first.status !== 200) throw new Error(`guarded warm-up refused: ${first.status} ${await first.text()}`);
const samples = [];
const sampler = setInterval(() => samples.push(rssMiB(guarded.child.pid)), 2000);
let refused = 0;
const guardedCpu = cpuShare(guarded.child.pid);
const guardedResult = await run(url, { amount: TOTAL }, (req) => {
  req.headers = { ...req.headers, authorization: `DPoP ${token}`, dpop: createProof(agents[1], { method: 'GET', url, token }) };
  return req;
});
clearInterval(sampler);
const guardedShare = guardedCpu();
refused = guardedResult.non2xx;
guarded.child.kill('SIGTERM');

const rps = (r) => r.requests.average;
console.log(`\nload run: autocannon, ${CONNECTIONS} connections, loopback; guarded ${guardedResult.requests.total ?? TOTAL} requests, bare ${BARE_SECONDS} s`);
console.log(`bare node:http, 1 Ed25519 verify per request: ${rps(bareResult).toFixed(0)} req/s, p99 ${bareResult.latency.p99} ms`);
console.log(`guarded (proof + token + credential cache + durable audit): ${rps(guardedResult).toFixed(0)} req/s, p99 ${guardedResult.latency.p99} ms`);
console.log(`throughput guarded / bare: ${(rps(guardedResult) / rps(bareResult)).toFixed(2)}×; non-2xx answers: ${refused}; errors: ${guardedResult.errors}`);
const pct = (x) => `${(x * 100).toFixed(0)}%`;
const perRequest = (share, r) => `${((share.server / rps(r)) * 1e6).toFixed(0)} µs`;
console.log(`CPU of one core, server / generator: bare ${pct(bareShare.server)} / ${pct(bareShare.generator)}; guarded ${pct(guardedShare.server)} / ${pct(guardedShare.generator)}`);
console.log(`server CPU per request: bare ${perRequest(bareShare, bareResult)}, guarded ${perRequest(guardedShare, guardedResult)}`);
const q = (f) => samples[Math.min(samples.length - 1, Math.floor(samples.length * f))]?.toFixed(0);
console.log(`guarded server RSS (MiB) at 10% / 50% / 100% of the run: ${q(0.1)} / ${q(0.5)} / ${q(1)} (${samples.length} samples)`);
