// @ts-check
// The 5-hop Biscuit verify of `bench/run.js`, this build against another one in the same
// headless Chromium page, interleaved: on a busy machine, single runs of `bench/run.js`
// move by more than a change is worth; alternating the two builds round by round, each
// round's ratios taken against WebCrypto batches in the same round, they do not.
//
// Usage: BASE=/path/to/other/checkout/packages/runtimes ROUNDS=12 node bench/compare.js
// (the other checkout built: `pnpm build` there). Prints, for each build, the median over
// rounds of `authorize` (new tokens; the same token again) × 11 WebCrypto verifies, and
// the median of this build's figure over the other's, round by round.
import { resolve } from 'node:path';
import { KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { attenuate, mintCapability } from '@agent-id/tokens';
import { median } from '@agent-id/test-support/bench';
import { build } from 'esbuild';
import { AUDIENCE, openChromiumPage } from '../dist/index.js';

const base = process.env.BASE;
if (base === undefined) {
  console.error('compare: set BASE to the packages/runtimes folder of the build to compare with (built)');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 12);
const BATCHES = 3;
const ITERATIONS = 10;
const HOPS = 5;

/** The page entry of the runtimes package at `dir`, bundled for the browser as `bench/run.js` does, as a script. */
async function pageScript(/** @type {string} */ dir) {
  const result = await build({
    entryPoints: [resolve(dir, 'runtime/page.ts')],
    absWorkingDir: resolve(dir),
    platform: 'browser',
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    external: ['node:*', '*.wasm', '@biscuit-auth/biscuit-wasm', '@biscuit-auth/biscuit-wasm/*'],
    tsconfigRaw: {},
  });
  return /** @type {import('esbuild').OutputFile} */ (result.outputFiles[0]).text;
}

const here = resolve(new URL('..', import.meta.url).pathname);
const code = [
  await pageScript(base),
  'globalThis.__base = globalThis.agentIdRuntime; delete globalThis.agentIdRuntime;',
  await pageScript(here),
  'globalThis.__this = globalThis.agentIdRuntime;',
].join('\n');

const now = Math.floor(Date.now() / 1000);
const root = KeyPair.generate();
const agents = Array.from({ length: HOPS + 1 }, () => KeyPair.generate());
const dids = agents.map((a) => didKeyFromPublicKey(a.publicKey));
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
  return token.serialize();
}
// The first token, the page's first (cold) calls, a warm-up and the batches (a build without the cold calls uses fewer).
const perCall = 1 + 2 * ITERATIONS + BATCHES * ITERATIONS;
const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUDIENCE, task: 'bench' };
const common = { root: didKeyFromPublicKey(root.publicKey), presenter: dids[HOPS], request, hops: HOPS, signatures: 11, batches: BATCHES, iterations: ITERATIONS };

const page = await openChromiumPage(code);
/** @type {Record<'base' | 'this', { fresh: number[]; cached: number[] }>} */
const figures = { base: { fresh: [], cached: [] }, this: { fresh: [], cached: [] } };
try {
  console.log(`${await page.page.evaluate(() => navigator.userAgent)}\n${ROUNDS} rounds of ${BATCHES} batches × ${ITERATIONS} calls per build, alternating which goes first`);
  for (let round = 0; round < ROUNDS; round++) {
    const order = /** @type {const} */ (round % 2 ? ['this', 'base'] : ['base', 'this']);
    for (const which of order) {
      const tokens = [];
      for (let i = 0; i < perCall; i++) tokens.push(await chain());
      const out = await page.page.evaluate(
        async ([name, text]) => JSON.stringify(await /** @type {any} */ (globalThis)[name].benchVerify(JSON.parse(text))),
        [`__${which}`, JSON.stringify({ ...common, tokens })],
      );
      const { pairedRatios } = JSON.parse(out);
      figures[which].fresh.push(pairedRatios[1]);
      figures[which].cached.push(pairedRatios[2]);
    }
  }
} finally {
  await page.close();
}
const range = (/** @type {number[]} */ xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
for (const kind of /** @type {const} */ (['fresh', 'cached'])) {
  const b = figures.base[kind];
  const t = figures.this[kind];
  const label = kind === 'fresh' ? 'authorize, a new 5-hop token each call' : 'authorize, the same 5-hop token again';
  console.log(`${label} (× 11 WebCrypto verifies): base ${median(b).toFixed(2)} (${range(b)}), this ${median(t).toFixed(2)} (${range(t)}); this / base, round by round: ${median(t.map((x, i) => x / /** @type {number} */ (b[i]))).toFixed(2)}`);
}
