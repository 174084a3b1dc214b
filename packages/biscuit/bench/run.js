// @ts-check
// Benchmarks for @agent-id/biscuit. Run `pnpm bench` (after a build), or
// `node bench/run.js --soak` (BISCUIT_SOAK_COUNT, default 300000) for the soak figure.
import { createHmac, createSecretKey, sign as nodeSign, verify as nodeVerify, generateKeyPairSync } from 'node:crypto';
import { KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { measure, measureAsync, printTable } from '../../core/bench/measure.js';
import { attenuate, authorize, biscuitRuntimeStats, mintCapability } from '../dist/index.js';

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
  for (let i = 1; i <= hops; i++) token = await attenuate(token, { to: dids[i], signer: agents[i - 1], rootPublicKey: org.publicKey });
  return token;
}

/** @param {'biscuit' | 'macaroon'} format @param {any} token @param {number} hops */
const verify = (format, token, hops) =>
  authorize(token, format === 'biscuit'
    ? { request, presenter: dids[hops], rootPublicKey: org.publicKey }
    : { request, presenter: dids[hops], rootSecrets: rootSecret });

if (process.argv.includes('--soak')) {
  await soak();
} else {
  await main();
}

async function main() {
  const started = Date.now();
  console.log(`@agent-id/biscuit bench — Node ${process.version}, ${new Date().toISOString()}`);

  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(64, 1);
  const signature = nodeSign(null, message, privateKey);
  const ed25519 = measure('native Ed25519 verify (node:crypto)', () => nodeVerify(null, message, publicKey, signature), { iterations: 2000 });
  const hmacKey = createSecretKey(Buffer.alloc(32, 3));
  const hmac = measure('native HMAC-SHA256 (node:crypto, KeyObject)', () => createHmac('sha256', hmacKey).update(message).digest(), { iterations: 20_000 });

  const opts = { batches: 7, iterations: 20, warmup: 20 };
  /** @type {any[]} */
  const biscuitRows = [ed25519];
  /** @type {any[]} */
  const macaroonRows = [hmac];
  for (const format of /** @type {const} */ (['biscuit', 'macaroon'])) {
    const rows = format === 'biscuit' ? biscuitRows : macaroonRows;
    rows.push(await measureAsync(`${format} mint`, () => mint(format), opts));
    const one = await mint(format);
    rows.push(await measureAsync(`${format} attenuate (one hop)`, () => attenuate(one, { to: dids[1], signer: agents[0], rootPublicKey: org.publicKey }), opts));
    for (const hops of [1, 3, 5]) {
      const token = await chain(format, hops);
      rows.push(await measureAsync(`${format} verify+authorize, ${hops} hop(s) (${token.size} B)`, () => verify(format, token, hops), opts));
    }
  }
  console.log('\nBiscuit (every hop is a third-party block signed by the delegating agent)');
  printTable(biscuitRows, ed25519.name);
  const five = biscuitRows.at(-1);
  console.log(`biscuit 5 hops vs 6 native Ed25519 verifies:  ${(five.medianUs / (6 * ed25519.medianUs)).toFixed(2)}×`);
  console.log(`biscuit 5 agent-signed hops vs 11 native verifies: ${(five.medianUs / (11 * ed25519.medianUs)).toFixed(2)}×`);
  console.log('\nMacaroon (HMAC chain checked with node:crypto; each hop also carries the delegator\'s Ed25519 signature)');
  printTable(macaroonRows, hmac.name);
  const m5 = macaroonRows.at(-1);
  // 5 hops: makeKey + identifier + 6 caveats = 8 HMACs, plus 5 hop signatures.
  console.log(`macaroon 5 hops vs its 8 HMACs: ${(m5.medianUs / (8 * hmac.medianUs)).toFixed(2)}×; vs 8 HMACs + 5 Ed25519 verifies: ${(m5.medianUs / (8 * hmac.medianUs + 5 * ed25519.medianUs)).toFixed(2)}×`);
  const stats = biscuitRuntimeStats();
  console.log(`\nruntime: ${stats.instances} instance(s), ${stats.recycles} recycle(s), threshold ${stats.thresholdBytes / 2 ** 20} MiB, peak ${(stats.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function soak() {
  const count = Number(process.env.BISCUIT_SOAK_COUNT ?? 300_000);
  const window = Math.min(5000, Math.max(1, Math.floor(count / 10)));
  const token = await chain('biscuit', 5);
  console.log(`soak: ${count} verifications of a 5-hop Biscuit (${token.size} B), Node ${process.version}`);
  let peakRss = 0;
  let windowStart = performance.now();
  /** @type {number[]} */
  const throughput = [];
  for (let i = 1; i <= count; i++) {
    await verify('biscuit', token, 5);
    if (i % 1000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (i % window === 0) {
      const t = performance.now();
      throughput.push(window / ((t - windowStart) / 1000));
      windowStart = t;
      if (throughput.length % 10 === 0) console.log(`  ${i}: ${throughput.at(-1)?.toFixed(0)}/s, recycles ${biscuitRuntimeStats().recycles}, rss ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
    }
  }
  const stats = biscuitRuntimeStats();
  console.log(`throughput at start: ${throughput[0]?.toFixed(0)}/s, at end: ${throughput.at(-1)?.toFixed(0)}/s (windows of ${window})`);
  console.log(`peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB; recycles: ${stats.recycles}; threshold ${stats.thresholdBytes / 2 ** 20} MiB; peak wasm memory ${(stats.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB`);
}
