// @ts-check
// Benchmarks for @agent-id/tokens. Run `pnpm bench` (after a build), or
// `node bench/run.js --writer` for the native Biscuit writer against biscuit-wasm's alone,
// `node bench/run.js --soak` for the soak figure (SOAK_COUNT, default 300000; the older
// BISCUIT_SOAK_COUNT is read too; SOAK_DATALOG=1 adds biscuit-wasm's parse and Datalog
// run to every verification, which is what exercises the wasm instance recycling).
//
// Every figure is printed as a ratio to a native operation measured in the same run, so
// runs on busy or different machines stay comparable. Tokens are verified from their
// serialized (string) form, as a resource server receives them. The Datalog runs get a
// generous time budget: on a loaded machine the default one runs out (no decision).
import { createHmac, createSecretKey, sign as nodeSign, verify as nodeVerify, generateKeyPairSync } from 'node:crypto';
import { KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import * as ucans from '@ucans/ucans';
import { measure, measureAsync, printTable } from '@agent-id/test-support/bench';
import { attenuate, authorize, biscuitRuntimeStats, mintCapability } from '../dist/index.js';
import { wasmAttenuate, wasmMint } from './wasm-writer.js';

const now = Math.floor(Date.now() / 1000);
const org = KeyPair.generate();
const rootSecret = { id: 'bench', secret: new Uint8Array(32).fill(7) };
const agents = Array.from({ length: 7 }, () => KeyPair.generate());
const dids = agents.map((a) => didKeyFromPublicKey(a.publicKey));
const AUD = 'did:web:files.example';
const cap = {
  resources: ['files:/reports/*', 'db:orders'],
  actions: ['read', 'write'],
  audience: [AUD],
  expiresAt: now + 86_400,
  maxDepth: 6,
  holder: dids[0],
  onBehalfOf: 'did:web:acme.example:alice',
  task: 'bench',
};
const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'bench' };

/** @param {'biscuit' | 'macaroon'} format */
const mint = (format) =>
  format === 'biscuit' ? mintCapability(cap, { format, rootKey: org, issuer: 'did:web:acme.example' }) : mintCapability(cap, { format, rootSecret, issuer: 'did:web:acme.example' });

/** @param {'biscuit' | 'macaroon'} format @param {number} hops */
async function chain(format, hops) {
  let token = await mint(format);
  for (let i = 1; i <= hops; i++) token = await attenuate(token, { to: dids[i], signer: agents[i - 1], trustedRoots: org.publicKey });
  return token;
}

/** @param {'biscuit' | 'macaroon'} format @param {string} token @param {number} hops @param {boolean} [datalog] */
const verify = (format, token, hops, datalog = false) =>
  authorize(
    token,
    format === 'biscuit' ? { request, presenter: dids[hops], trustedRoots: org.publicKey, datalog, ...(datalog && { limits: { maxDatalogMicros: 2_000_000 } }) } : { request, presenter: dids[hops], rootSecrets: rootSecret },
  );

/** Macaroon verification of n hops: token root key (1), macaroon key and identifier (2), one per caveat (1 + n). */
const macaroonHmacs = (/** @type {number} */ hops) => hops + 4;
const ratio = (/** @type {number} */ a, /** @type {number} */ b) => `${(a / b).toFixed(2)}×`;

if (process.argv.includes('--soak')) {
  await soak();
} else if (process.argv.includes('--writer')) {
  const e = generateKeyPairSync('ed25519');
  const m = Buffer.alloc(64, 1);
  const sig = nodeSign(null, m, e.privateKey);
  const baseline = measure('native Ed25519 verify (node:crypto)', () => nodeVerify(null, m, e.publicKey, sig), { iterations: 2000 });
  printWriter(await writerRows({ batches: 9, iterations: 40, warmup: 40 }), baseline);
} else {
  await main();
}

/**
 * The native Biscuit writer against biscuit-wasm's (the path it replaced): same inputs,
 * same run, each pair measured in alternating rounds so load changes hit both alike.
 * @param {{ batches: number; iterations: number; warmup: number }} opts
 */
async function writerRows(opts) {
  const minted = await mint('biscuit');
  const twoHops = await chain('biscuit', 2);
  const pairs = [
    ['mint', () => mint('biscuit'), () => wasmMint(cap, { rootKey: org, issuer: 'did:web:acme.example' })],
    ['attenuate (1st hop)', () => attenuate(minted, { to: dids[1], signer: agents[0], trustedRoots: org.publicKey }), () => wasmAttenuate(minted, { to: dids[1], signer: agents[0], trustedRoots: org.publicKey })],
    ['attenuate (3rd hop)', () => attenuate(twoHops, { to: dids[3], signer: agents[2], trustedRoots: org.publicKey }), () => wasmAttenuate(twoHops, { to: dids[3], signer: agents[2], trustedRoots: org.publicKey })],
  ];
  /** @type {Array<{ name: string; native: any; wasm: any }>} */
  const rows = [];
  for (const [name, native, wasm] of /** @type {Array<[string, () => Promise<unknown>, () => Promise<unknown>]>} */ (pairs)) {
    /** @type {any[]} */
    const n = [];
    /** @type {any[]} */
    const w = [];
    for (let round = 0; round < 3; round++) {
      n.push(await measureAsync(`biscuit ${name}, native writer`, native, opts));
      w.push(await measureAsync(`biscuit ${name}, biscuit-wasm (before)`, wasm, opts));
    }
    const mid = (/** @type {any[]} */ xs) => [...xs].sort((a, b) => a.medianUs - b.medianUs)[1];
    rows.push({ name, native: mid(n), wasm: mid(w) });
  }
  return rows;
}

/** @param {Array<{ name: string; native: any; wasm: any }>} writer @param {any} baseline */
function printWriter(writer, baseline) {
  console.log('\nBiscuit writer: native against biscuit-wasm (same inputs, same run; median of 3 alternating rounds)');
  printTable([baseline, ...writer.flatMap((r) => [r.native, r.wasm])], baseline.name);
  for (const r of writer) console.log(`native ${r.name} vs biscuit-wasm's: ${ratio(r.native.medianUs, r.wasm.medianUs)}`);
}

async function ucanPeer() {
  const keys = await Promise.all(Array.from({ length: 7 }, () => ucans.EdKeypair.create()));
  const capability = { with: { scheme: 'files', hierPart: '//reports/' }, can: { namespace: 'files', segments: ['READ'] } };
  let token = ucans.encode(await ucans.build({ issuer: keys[0], audience: keys[1].did(), capabilities: [capability], lifetimeInSeconds: 3600 }));
  for (let i = 1; i <= 5; i++) {
    token = ucans.encode(await ucans.build({ issuer: keys[i], audience: keys[i + 1].did(), capabilities: [capability], lifetimeInSeconds: 3600, proofs: [token] }));
  }
  const options = { audience: keys[6].did(), requiredCapabilities: [{ capability, rootIssuer: keys[0].did() }] };
  const check = await ucans.verify(token, options);
  if (!check.ok) throw new Error('UCAN peer chain does not verify');
  return { token, options };
}

async function main() {
  const started = Date.now();
  console.log(`@agent-id/tokens bench — Node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString()}`);

  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(64, 1);
  const signature = nodeSign(null, message, privateKey);
  const hmacKey = createSecretKey(Buffer.alloc(32, 3));
  const baselines = () => ({
    ed25519: measure('native Ed25519 verify (node:crypto)', () => nodeVerify(null, message, publicKey, signature), { iterations: 2000 }),
    hmac: measure('native HMAC-SHA256 (node:crypto, KeyObject)', () => createHmac('sha256', hmacKey).update(message).digest(), { iterations: 20_000 }),
  });
  const before = baselines();

  const opts = { batches: 9, iterations: 40, warmup: 40 };
  /** @type {Record<'biscuit' | 'macaroon', any[]>} */
  const rows = { biscuit: [], macaroon: [] };
  /** @type {Record<string, any>} */
  const verifyRows = {};
  for (const format of /** @type {const} */ (['biscuit', 'macaroon'])) {
    rows[format].push(await measureAsync(`${format} mint`, () => mint(format), opts));
    const one = await mint(format);
    rows[format].push(await measureAsync(`${format} attenuate (one hop)`, () => attenuate(one, { to: dids[1], signer: agents[0], trustedRoots: org.publicKey }), opts));
    for (const hops of [1, 3, 5]) {
      const token = await chain(format, hops);
      const text = token.serialize();
      const row = await measureAsync(`${format} verify+authorize, ${hops} hop(s) (${token.size} B)`, () => verify(format, text, hops), opts);
      verifyRows[`${format}${hops}`] = row;
      rows[format].push(row);
    }
  }
  const writer = await writerRows(opts);
  const b5text = (await chain('biscuit', 5)).serialize();
  verifyRows.biscuit5datalog = await measureAsync('biscuit verify+authorize, 5 hops, with datalog: true (biscuit-wasm parse + Datalog too)', () => verify('biscuit', b5text, 5, true), opts);
  rows.biscuit.push(verifyRows.biscuit5datalog);
  // First sight of each token: 1,000 distinct 5-hop tokens in turn, more ephemeral keys
  // than the key caches hold, so every next key and proof is imported afresh.
  const pool = [];
  for (let i = 0; i < 1000; i++) pool.push((await chain('biscuit', 5)).serialize());
  let next = 0;
  verifyRows.biscuit5cold = await measureAsync('biscuit verify+authorize, 5 hops, each token seen once (cold key caches)', () => verify('biscuit', pool[next++ % pool.length], 5), { batches: 9, iterations: 100, warmup: 100 });
  rows.biscuit.push(verifyRows.biscuit5cold);

  const peer = await ucanPeer();
  const ucanRow = await measureAsync('@ucans/ucans 0.12 verify, 5-hop delegation chain', () => ucans.verify(peer.token, peer.options), { batches: 5, iterations: 3, warmup: 3 });

  // Baselines again after the work, so a machine that got busier or quieter shows; the
  // ratios use the median of the two.
  const after = baselines();
  const ed25519 = { ...before.ed25519, medianUs: (before.ed25519.medianUs + after.ed25519.medianUs) / 2 };
  const hmac = { ...before.hmac, medianUs: (before.hmac.medianUs + after.hmac.medianUs) / 2 };
  console.log(`baselines: Ed25519 verify ${before.ed25519.medianUs.toFixed(1)} / ${after.ed25519.medianUs.toFixed(1)} µs, HMAC-SHA256 ${before.hmac.medianUs.toFixed(2)} / ${after.hmac.medianUs.toFixed(2)} µs (before / after)`);

  console.log('\nBiscuit (every hop is a third-party block signed by the delegating agent)');
  printTable([ed25519, ...rows.biscuit], ed25519.name);
  const b5 = verifyRows.biscuit5.medianUs;
  console.log(`biscuit 5 hops vs 6 native Ed25519 verifies (authority + 5 block signatures): ${ratio(b5, 6 * ed25519.medianUs)}`);
  console.log(`biscuit 5 agent-signed hops vs 11 native verifies (+ 5 third-party signatures): ${ratio(b5, 11 * ed25519.medianUs)}   (goal ≤ 2.2×)`);
  console.log(`  each token seen once: ${ratio(verifyRows.biscuit5cold.medianUs, 6 * ed25519.medianUs)} of 6, ${ratio(verifyRows.biscuit5cold.medianUs, 11 * ed25519.medianUs)} of 11; with datalog: true ${ratio(verifyRows.biscuit5datalog.medianUs, 11 * ed25519.medianUs)} of 11`);
  for (const hops of [1, 3]) {
    const sigs = 1 + 2 * hops;
    console.log(`biscuit ${hops} hop(s) vs ${sigs} native verifies: ${ratio(verifyRows[`biscuit${hops}`].medianUs, sigs * ed25519.medianUs)}`);
  }

  printWriter(writer, ed25519);

  console.log("\nMacaroon (HMAC chain checked with node:crypto; each hop also carries the delegator's Ed25519 signature)");
  printTable([hmac, ...rows.macaroon], hmac.name);
  for (const hops of [1, 3, 5]) {
    const us = verifyRows[`macaroon${hops}`].medianUs;
    const n = macaroonHmacs(hops);
    console.log(`macaroon ${hops} hop(s) vs its ${n} HMACs: ${ratio(us, n * hmac.medianUs)}; vs its own operations (${n} HMACs + ${hops} Ed25519 verifies): ${ratio(us, n * hmac.medianUs + hops * ed25519.medianUs)}`);
  }

  console.log('\nPeers (same machine, same run)');
  printTable([verifyRows.biscuit5, ucanRow], verifyRows.biscuit5.name);
  console.log(`@ucans/ucans 5-hop verify is ${ratio(ucanRow.medianUs, b5)} our 5-hop Biscuit verify+authorize`);

  const stats = biscuitRuntimeStats();
  console.log(`\nruntime: ${stats.instances} instance(s), ${stats.recycles} recycle(s), threshold ${stats.thresholdBytes / 2 ** 20} MiB, peak ${(stats.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function soak() {
  const count = Number(process.env.SOAK_COUNT ?? process.env.BISCUIT_SOAK_COUNT ?? 300_000);
  if (!Number.isSafeInteger(count) || count < 10) throw new TypeError('SOAK_COUNT must be an integer of at least 10');
  const window = Math.min(10_000, Math.floor(count / 10));
  const datalog = process.env.SOAK_DATALOG === '1';
  const token = (await chain('biscuit', 5)).serialize();
  const started = performance.now();
  console.log(`soak: ${count} verifications of a 5-hop Biscuit (agent-signed hops)${datalog ? ' with datalog: true' : ''}, Node ${process.version}, windows of ${window}`);
  let peakRss = 0;
  let windowStart = performance.now();
  /** @type {number[]} */
  const throughput = [];
  for (let i = 1; i <= count; i++) {
    const result = await verify('biscuit', token, 5, datalog);
    if (result.chain.length !== 6) throw new Error(`call ${i}: wrong chain`);
    if (i % 1000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (i % window === 0) {
      const t = performance.now();
      throughput.push(window / ((t - windowStart) / 1000));
      windowStart = t;
      const s = biscuitRuntimeStats();
      console.log(`  ${String(i).padStart(7)}: ${throughput.at(-1)?.toFixed(0)}/s, recycles ${s.recycles}, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, wasm ${(s.memoryBytes / 2 ** 20).toFixed(1)} MiB`);
    }
  }
  const stats = biscuitRuntimeStats();
  const first = throughput[0] ?? 0;
  const last = throughput.at(-1) ?? 0;
  const sorted = [...throughput].sort((a, b) => a - b);
  console.log(`throughput, first ${window}: ${first.toFixed(0)}/s; last ${window}: ${last.toFixed(0)}/s (last/first ${(last / first).toFixed(2)}); median window ${sorted[sorted.length >> 1]?.toFixed(0)}/s`);
  console.log(`peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB; wasm memory peak ${(stats.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB (threshold ${stats.thresholdBytes / 2 ** 20} MiB); recycles: ${stats.recycles}; traps: ${stats.traps}`);
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
