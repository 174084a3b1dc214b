// A load run over loopback with autocannon (a real load generator, in this process): the
// guarded endpoint (a fresh proof per request, signed here as a client would; a durable
// audit log) against a bare node:http endpoint verifying one Ed25519 signature per request
// (its client signs one per request too). Both servers run throughout and are loaded in
// turns, bare then guarded, BENCH_ROUNDS times: each round's ratio compares two phases a
// few seconds apart (this machine's speed drifts by a third from minute to minute), and the
// figure is their median. Also p99 latency, each server's CPU per request, and the guarded
// server's RSS sampled over all its requests.
// BENCH_REQUESTS: guarded requests in all (default 1,000,000); BENCH_BARE_SECONDS: bare
// seconds in all (default 50); BENCH_ROUNDS (default 5); BENCH_CONNECTIONS: a comma-separated
// list, each count a run of its own (default `64,16`: the goal allows 16 or more; with 16 a
// group commit holds fewer records, so each request carries more of its sync);
// LOAD_SERVER_ARGS: Node flags for the servers (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
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
const BARE_SECONDS = Number(process.env.BENCH_BARE_SECONDS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTION_COUNTS = (process.env.BENCH_CONNECTIONS ?? '64,16').split(',').map(Number);
if (!CONNECTION_COUNTS.every((n) => Number.isSafeInteger(n) && n > 0)) throw new Error('BENCH_CONNECTIONS: a comma-separated list of positive integers');
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

// CPU seconds used so far by a server (utime + stime of all its threads, in clock ticks of
// 1/100 s) and by this process (the generator), to tell which side a phase is bound by.
const serverCpu = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0) / 100;
const generatorCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** One autocannon phase against `url`, with the CPU each side used per second of it. */
async function phase(server, url, connections, amountOrDuration, setupRequest) {
  const { origin, pathname } = new URL(url);
  const t0 = performance.now();
  const s0 = serverCpu(server.child.pid);
  const g0 = generatorCpu();
  const result = await new Promise((resolve, reject) => {
    const options = { url: origin, connections, pipelining: 1, ...amountOrDuration, requests: [{ method: 'GET', path: pathname, setupRequest }] };
    const instance = autocannon(options, (error, r) => (error ? reject(error) : resolve(r)));
    instance.on('error', reject);
  });
  const wall = (performance.now() - t0) / 1000;
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  // Requests over the phase's own time: autocannon's per-second average counts a last partial second as whole.
  return { rps: result.requests.total / wall, p99: result.latency.p99, requests: result.requests.total, server: (serverCpu(server.child.pid) - s0) / wall, generator: (generatorCpu() - g0) / wall };
}

// Guarded: a two-hop token, a fresh proof per request, credential sent once beforehand.
// The token names the guarded server's origin as its audience, so each run mints its own.
async function guardedSetup(origin) {
  let token = await mintCapability(
    { onBehalfOf: 'did:web:acme.example:users:alice', holder: agents[0].did, task: 'load', resources: ['api:/orders/*'], actions: ['read'], audience: [origin], expiresAt: Math.floor(Date.now() / 1000) + 86_400, maxDepth: 3 },
    { format: 'biscuit', rootKey, issuer: org.did },
  );
  token = (await attenuate(token, { to: agents[1].did, signer: agents[0].keyPair, trustedRoots: rootKey.publicKey })).serialize();
  const url = `${origin}/orders/42`;
  const first = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: createProof(agents[1], { method: 'GET', url, token }), 'agent-credential': credential } });
  if (first.status !== 200) throw new Error(`guarded warm-up refused: ${first.status} ${await first.text()}`);
  return {
    url,
    setupRequest: (req) => {
      req.headers = { ...req.headers, authorization: `DPoP ${token}`, dpop: createProof(agents[1], { method: 'GET', url, token }) };
      return req;
    },
  };
}
const credential = await issueOwnershipCredential(org, { agent: agents[1].did });

const signedRequest = (req) => {
  const msg = randomBytes(32);
  req.headers = { ...req.headers, 'x-msg': msg.toString('base64url'), 'x-sig': Buffer.from(agents[1].keyPair.sign(msg)).toString('base64url') };
  return req;
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (x) => `${(x * 100).toFixed(0)}%`;
const us = (p) => `${((p.server / p.rps) * 1e6).toFixed(0)} µs`;

for (const connections of CONNECTION_COUNTS) {
  // Fresh servers for each count: the guarded one's RSS is sampled over this run's requests.
  const bare = await start('bare');
  const guarded = await start('guarded');
  const { url, setupRequest } = await guardedSetup(guarded.origin);
  const samples = [];
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const b = await phase(bare, `${bare.origin}/x`, connections, { duration: Math.max(1, Math.round(BARE_SECONDS / ROUNDS)) }, signedRequest);
    const sampler = setInterval(() => samples.push(rssMiB(guarded.child.pid)), 2000);
    const g = await phase(guarded, url, connections, { amount: Math.round(TOTAL / ROUNDS) }, setupRequest);
    clearInterval(sampler);
    rounds.push({ bare: b, guarded: g, ratio: g.rps / b.rps });
  }
  // The guarded server closes its log and removes it on SIGTERM.
  await Promise.all([bare, guarded].map(({ child }) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))));

  console.log(`\nload run: autocannon, ${connections} connections, loopback, ${ROUNDS} rounds of bare ${Math.round(BARE_SECONDS / ROUNDS)} s then guarded ${Math.round(TOTAL / ROUNDS)} requests`);
  console.log('round | bare req/s | guarded req/s | guarded / bare | p99 bare / guarded | server CPU per request, bare / guarded | CPU of one core, server / generator, bare; guarded');
  for (const [i, r] of rounds.entries()) {
    console.log(
      `${i + 1} | ${r.bare.rps.toFixed(0)} | ${r.guarded.rps.toFixed(0)} | ${r.ratio.toFixed(2)}× | ${r.bare.p99} / ${r.guarded.p99} ms | ${us(r.bare)} / ${us(r.guarded)} | ${pct(r.bare.server)} / ${pct(r.bare.generator)}; ${pct(r.guarded.server)} / ${pct(r.guarded.generator)}`,
    );
  }
  const guardedTotal = rounds.reduce((n, r) => n + r.guarded.requests, 0);
  console.log(`${connections} connections: throughput guarded / bare, median of the rounds: ${median(rounds.map((r) => r.ratio)).toFixed(2)}× (${guardedTotal} guarded requests, every one answered 200)`);
  console.log(`p99, median of the rounds: bare ${median(rounds.map((r) => r.bare.p99))} ms, guarded ${median(rounds.map((r) => r.guarded.p99))} ms`);
  const q = (f) => samples[Math.min(samples.length - 1, Math.floor(samples.length * f))]?.toFixed(0);
  console.log(`guarded server RSS (MiB) at 10% / 50% / 100% of its requests: ${q(0.1)} / ${q(0.5)} / ${q(1)} (${samples.length} samples)`);
}
