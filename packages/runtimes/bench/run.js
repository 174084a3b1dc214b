// @ts-check
// Benchmarks of @agent-id/runtimes (`pnpm bench`, after a build; needs /usr/bin/chromium):
//  1. verify-only browser bundles of each library: minified and gzipped sizes, without
//     WebAssembly (biscuit-wasm is left out and listed when a bundle still loads it);
//  2. in headless Chromium, `authorize` of a 5-hop Biscuit against as many WebCrypto
//     Ed25519 verifies as the token carries signatures, in the same page (goal ≤ 1.5×).
// Every timing is a ratio to a baseline measured in the same run.
//
// `node bench/run.js --profile`: instead of 2., a CPU profile (Chromium's sampling profiler,
// through the DevTools protocol) of `authorize` of new 5-hop tokens in the page, printed as
// the functions with the most time, self and with callees.
//
// `node bench/run.js --timeline`: instead of 2., when each WebCrypto call of `authorize` of
// new 5-hop tokens is posted and settles (as the page sees it), and in the same page what
// WebCrypto alone, the JavaScript alone, posting one call and the proof key's derivation
// cost, and whether WebCrypto work overlaps the page's JavaScript.
import { KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { attenuate, authorize, inspectToken, mintCapability } from '@agent-id/tokens';
import { median, printTable } from '@agent-id/test-support/bench';
import { AUDIENCE, ENTRIES, bundle, openChromiumPage } from '../dist/index.js';

// What a verifier imports from each library.
const VERIFY_ONLY = {
  '@agent-id/core': 'export { PublicKey, parseCompactJws, verifyJwsSignature } from "@agent-id/core";',
  '@agent-id/did': 'export { createDidResolver, publicKeyFromDidKey, verifyOwnershipCredential } from "@agent-id/did";',
  '@agent-id/tokens': 'export { authorize } from "@agent-id/tokens";',
  '@agent-id/a2a-cards': 'export { verifyAgentCard } from "@agent-id/a2a-cards";',
  '@agent-id/http': 'export { HttpGuard, verifyProof } from "@agent-id/http";',
};

// `--profile --same`: the same token every call (its signatures and chain then cached).
const PROFILE = process.argv.includes('--profile') || process.argv.includes('--timeline');
const SAME = process.argv.includes('--same');
const TIMELINE = process.argv.includes('--timeline');
if (!PROFILE) console.log('\n## Verify-only browser bundles (esbuild, platform browser, minified; gzip -9; no WebAssembly)\n');
if (!PROFILE) console.log('| library | exports | minified bytes | gzipped bytes | Node built-ins left | WebAssembly imports |');
if (!PROFILE) console.log('| --- | --- | ---: | ---: | --- | --- |');
for (const [name, contents] of Object.entries(PROFILE ? {} : VERIFY_ONLY)) {
  const what = contents.replace(/^export \{ (.*) \} from .*$/, '$1');
  try {
    const b = await bundle('browser', `verify-${name.split('/')[1]}.ts`, { contents, minify: true });
    console.log(`| ${name} | ${what} | ${b.bytes} | ${b.gzipBytes} | ${b.nodeImports.length || 'none'} | ${b.wasmImports.join(', ') || 'none'} |`);
  } catch (e) {
    const first = String(e instanceof Error ? e.message : e).split('\n').slice(0, 2).join(' ');
    console.log(`| ${name} | ${what} | does not build for the browser | | | ${first.slice(0, 200)} |`);
  }
}

console.log('\n## 5-hop Biscuit verify in headless Chromium, against WebCrypto in the same page\n');
const HOPS = 5;
const now = Math.floor(Date.now() / 1000);
const root = KeyPair.generate();
const agents = Array.from({ length: HOPS + 1 }, () => KeyPair.generate());
const dids = agents.map((a) => didKeyFromPublicKey(a.publicKey));
const ITERATIONS = 10;
// The same page measured three times over, each time after more new tokens (a phase: warm-up
// calls, then batches of new tokens, each batch after a batch of as many WebCrypto verifies):
//  1. after 100 tokens, as the Node benchmarks of a new token warm up (50–100 calls): Chromium's
//     V8 compiles a function called once a token with Maglev only after some hundreds of calls
//     (`authorize`'s own steps at 250–500 tokens, TurboFan at 3,000–5,000), so this times
//     much of the verifier's code before that;
//  2. compiled: after about 500 tokens, the verification caches not yet full;
//  3. the caches full, forgetting one token for every one they learn (after about 2,100
//     tokens: 2,000 runs of blocks; the chains, 8 MiB of token text, after about 1,350 of
//     these): a busy verifier that only meets new tokens.
// Each phase is reported as the median of the per-batch ratios and as its total time over
// the baseline's (the collector's pauses included, which a median passes over), each the
// median over PAGES fresh browsers (one page's figures move with what the browser does
// beside it, most in its first seconds).
const PHASES = [
  { name: 'after 100 new tokens (V8 still compiling)', warmup: Number(process.env.WARMUP ?? 100), batches: 15 },
  { name: 'compiled, after about 500 new tokens', warmup: Number(process.env.COMPILED_WARMUP ?? 250), batches: 30 },
  { name: 'caches full, after about 2,100 new tokens', warmup: Number(process.env.FULL_WARMUP ?? 1270), batches: 30 },
];
const PAGES = Number(process.env.PAGES ?? 3);
/** A 5-hop chain of fresh hops (new signatures) over the same agents. */
async function chain() {
  let token = await mintCapability(
    {
      resources: ['files:/reports/*'],
      actions: ['read'],
      audience: [AUDIENCE],
      expiresAt: now + 86_400,
      maxDepth: HOPS,
      holder: /** @type {string} */ (dids[0]),
      onBehalfOf: 'did:web:acme.example:users:alice',
      task: 'bench',
    },
    { format: 'biscuit', rootKey: root, issuer: 'did:web:acme.example' },
  );
  for (let i = 1; i <= HOPS; i++) token = await attenuate(token, { to: /** @type {string} */ (dids[i]), signer: /** @type {KeyPair} */ (agents[i - 1]), trustedRoots: root.publicKey });
  return token;
}
// Each phase: its first token, its first (cold) calls, warm-up and timed calls, each a token of its own.
const perPhase = PHASES.map((p) => 1 + ITERATIONS + p.warmup + p.batches * ITERATIONS);
const tokens = [];
for (let i = 0; i < perPhase.reduce((a, b) => a + b, 0); i++) tokens.push(await chain());
const token = /** @type {import('@agent-id/tokens').CapabilityToken} */ (tokens[0]);
const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUDIENCE, task: 'bench' };
const presenter = /** @type {string} */ (dids[HOPS]);
const nodeResult = await authorize(token, { request, presenter, trustedRoots: root.publicKey });
// One signature per block, and a second on every hop: hops are third-party blocks, signed
// by the delegating agent's own key too.
const inspection = await inspectToken(token, { trustedRoots: root.publicKey });
const signatures = inspection.blocks.reduce((n, b) => n + (b.kind === 'hop' ? 2 : 1), 0);

let page;
try {
  const b = await bundle('browser', ENTRIES.page);
  page = await openChromiumPage(b.code);
  if (TIMELINE) {
    const out = await page.page.evaluate(
      async (text) => /** @type {any} */ (globalThis).agentIdRuntime.timeline(JSON.parse(text)),
      JSON.stringify({ tokens: tokens.slice(1, 81).map((t) => t.serialize()), root: didKeyFromPublicKey(root.publicKey), presenter, request, hops: HOPS, signatures, batches: 0, iterations: 0 }),
    );
    const show = (/** @type {string} */ title, /** @type {{ totalUs: number, events: { op: string, postedUs: number, settledUs: number }[] }} */ call) => {
      console.log(`${title}: ${call.totalUs.toFixed(0)} µs`);
      for (const e of call.events) console.log(`  ${e.op.padEnd(18)} posted ${e.postedUs.toFixed(0).padStart(6)}  settled ${e.settledUs.toFixed(0).padStart(6)}  (${(e.settledUs - e.postedUs).toFixed(0)} µs)`);
    };
    show('baseline (last of 5 rounds)', out.baseline);
    const calls = out.calls.slice(10, 40);
    const sorted = [...calls].sort((a, b) => a.totalUs - b.totalUs);
    show('authorize, new token (the median of the last 30)', sorted[sorted.length >> 1]);
    const med = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN;
    console.log(`\nmedians over the last 30 calls: total ${med(calls.map((c) => c.totalUs)).toFixed(0)} µs; first WebCrypto call posted at ${med(calls.map((c) => c.events[0]?.postedUs ?? Number.NaN)).toFixed(0)} µs; last settled at ${med(calls.map((c) => Math.max(...c.events.map((e) => e.settledUs)))).toFixed(0)} µs; baseline ${out.baseline.totalUs.toFixed(0)} µs`);
    console.log(`WebCrypto alone (medians of 30): ${signatures} verifies awaited one by one ${out.parts.baselineUs.toFixed(0)} µs; posted at once ${out.parts.allAtOnceUs.toFixed(0)} µs; with ${HOPS} raw imports and a PKCS#8 import + JWK export, all posted at once (each verify after its import) ${out.parts.withImportsUs.toFixed(0)} µs`);
    console.log(`overlap: 1 ms of JavaScript ${out.parts.spinUs.toFixed(0)} µs; ${signatures} verifies posted then 1 ms of JavaScript then awaited ${out.parts.elevenThenSpinUs.toFixed(0)} µs; posting one verify while WebCrypto is idle (mean) ${out.parts.lonePostVerifyUs.toFixed(1)} µs`);
    console.log(`an Ed25519 secret's public key: WebCrypto (PKCS#8 import, JWK export) ${out.parts.deriveWebCryptoUs.toFixed(0)} µs; @noble/curves ${out.parts.deriveNobleUs.toFixed(0)} µs`);
    console.log(`posting one verify (the call, synchronous part, in batches of 100): ${out.parts.postOneVerifyUs.toFixed(1)} µs`);
    console.log(`authorize of a new token with every verify and raw import answered at once (no WebCrypto but the proof key's derivation): ${out.parts.jsOnlyUs.toFixed(0)} µs`);
    await page.close();
    process.exit(0);
  }
  if (PROFILE) {
    const profiled = SAME ? tokens.slice(1).map(() => token.serialize()) : tokens.slice(1).map((t) => t.serialize());
    await profile(page.page, { tokens: profiled, root: didKeyFromPublicKey(root.publicKey), presenter, request, hops: HOPS, signatures, batches: 0, iterations: 0 });
    process.exit(0);
  }
  const texts = tokens.map((t) => t.serialize());
  const common = { root: didKeyFromPublicKey(root.publicKey), presenter, request, hops: HOPS, signatures, iterations: ITERATIONS };
  /** @type {{ paired: number[]; total: number[]; cached: number[] }[]} */
  const figures = PHASES.map(() => ({ paired: [], total: [], cached: [] }));
  /** @type {number[]} */
  const cold = [];
  for (let n = 0; n < PAGES; n++) {
    if (n > 0) {
      await page.close();
      page = await openChromiumPage(b.code);
    }
    let from = 0;
    for (const [i, phase] of PHASES.entries()) {
      const out = JSON.parse(
        await page.page.evaluate(
          async (text) => JSON.stringify(await /** @type {any} */ (globalThis).agentIdRuntime.benchVerify(JSON.parse(text))),
          JSON.stringify({ ...common, tokens: texts.slice(from, from + /** @type {number} */ (perPhase[i])), batches: phase.batches, warmup: phase.warmup }),
        ),
      );
      from += /** @type {number} */ (perPhase[i]);
      if (n === 0 && i === 0) {
        if (JSON.stringify(out.result.chain) !== JSON.stringify(JSON.parse(JSON.stringify(nodeResult.chain)))) throw new Error('the page allowed the token with another chain than Node');
        console.log(`${await page.page.evaluate(() => navigator.userAgent)}; ${PAGES} fresh browsers, each meeting the same ${texts.length} new tokens\n`);
        console.log(`the first browser, ${phase.name}:`);
        printTable(out.rows, out.rows[0].name);
      }
      if (i === 0) cold.push(out.cold.freshUs / out.cold.baselineUs);
      figures[i]?.paired.push(out.pairedRatios[1]);
      figures[i]?.total.push(out.totalRatios[1]);
      figures[i]?.cached.push(out.pairedRatios[2]);
    }
  }
  const each = (/** @type {number[]} */ xs) => `${median(xs).toFixed(2)} (${xs.map((x) => x.toFixed(2)).join(', ')})`;
  console.log(`\nauthorize of a new ${HOPS}-hop token ÷ ${signatures} WebCrypto verifies awaited one by one; the median over the browsers (each browser's figure):\n`);
  console.log('| phase | median of per-batch ratios | total time ÷ baseline\'s (collector included) | the same token again |');
  console.log('| --- | --- | --- | --- |');
  for (const [i, phase] of PHASES.entries()) {
    const f = /** @type {{ paired: number[]; total: number[]; cached: number[] }} */ (figures[i]);
    console.log(`| ${phase.name} | ${each(f.paired)} | ${each(f.total)} | ${median(f.cached).toFixed(2)} |`);
  }
  console.log(`\nthe page's first ${ITERATIONS} new tokens (JIT cold, one batch): ${each(cold)}`);
  const compiled = PHASES.slice(1).map((_, i) => median(/** @type {{ total: number[] }} */ (figures[i + 1]).total));
  console.log(`goal ≤ 1.5× for compiled code, total time: ${compiled.map((x) => x.toFixed(2)).join(' (compiled), ')} (caches full): ${compiled.every((x) => x <= 1.5) ? 'met' : 'not met'}`);
} catch (e) {
  console.log(`not measured: the browser bundle does not run (${String(e instanceof Error ? e.message : e).split('\n').slice(0, 3).join(' ').slice(0, 400)})`);
} finally {
  await page?.close();
}

/**
 * Samples `authorize` of every token once (after a warm-up on the first tenth) with the
 * page's CPU profiler, and prints the functions with the most samples.
 * @param {import('playwright-core').Page} p
 * @param {import('../runtime/page.js').PageBenchInput} input
 */
async function profile(p, input) {
  const call = (/** @type {string[]} */ tokens) =>
    p.evaluate(async (text) => /** @type {any} */ (globalThis).agentIdRuntime.authorizeEach(JSON.parse(text)), JSON.stringify({ ...input, tokens }));
  const warm = Math.floor(input.tokens.length / 10);
  await call(input.tokens.slice(0, warm));
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  await cdp.send('Profiler.start');
  const start = Date.now();
  const n = await call(input.tokens.slice(warm));
  const ms = Date.now() - start;
  const { profile: prof } = await cdp.send('Profiler.stop');
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  const samples = prof.samples ?? [];
  const name = (/** @type {any} */ n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
  for (const id of samples) {
    const leaf = nodes.get(id);
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + 1);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const key = name(nodes.get(x));
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + 1);
    }
  }
  const share = (/** @type {number} */ c) => `${((100 * c) / samples.length).toFixed(1).padStart(5)}%`;
  console.log(`${n} new ${input.hops}-hop tokens authorized in ${ms} ms (${((1000 * ms) / n).toFixed(0)} µs each), ${samples.length} samples\n`);
  console.log('self time:');
  for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${share(c)}  ${k}`);
  console.log('\nwith callees:');
  for (const [k, c] of [...total].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(`  ${share(c)}  ${k}`);
}
