// @ts-check
// Benchmarks of @agent-id/console (`pnpm bench`, after a build; needs /usr/bin/chromium):
//  1. the page's weight: gzipped (level 9), without WebAssembly (the page loads none), from
//     the build report scripts/build-page.mjs writes;
//  2. in headless Chromium, drawing a 20-hop delegation chain with the console's own
//     component (render + layout) as a ratio to verifying that chain (`verifyChain`, every
//     signature with WebCrypto) in the same page, each token met for the first time.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { printTable } from '@agent-id/test-support/bench';
import { launchChromium } from '@agent-id/test-support/chromium';
import { attenuate, mintCapability } from '@agent-id/tokens';
import { build } from 'esbuild';

const report = JSON.parse(await readFile(new URL('../dist/page-report.json', import.meta.url), 'utf8'));
console.log('\n## Console page weight (esbuild, minified; gzip -9; no WebAssembly)\n');
console.log(`every view: ${report.gzipTotal} bytes gzipped in ${Object.keys(report.sizes).length} files`);
console.log(`opening it (the token inspector, the largest view): ${report.gzipInitial} bytes gzipped`);
console.log(`goal: ≤ 153600 bytes (150 KiB); WebAssembly: ${report.wasm} bytes`);

const HOPS = 20;
const BATCHES = 7;
const ITERATIONS = 5;
const MAX_BLOCKS = HOPS + 2;
const now = Math.floor(Date.now() / 1000);
const root = KeyPair.generate();
const agents = Array.from({ length: HOPS + 1 }, () => KeyPair.generate());
const dids = agents.map((a) => didKeyFromPublicKey(a.publicKey));
/** A fresh 20-hop Biscuit (new signatures) over the same agents, each hop narrowing the expiry. */
async function chain() {
  let token = await mintCapability(
    {
      resources: ['files:/reports/*'],
      actions: ['read', 'write'],
      audience: ['did:web:files.example'],
      expiresAt: now + 86_400,
      maxDepth: HOPS,
      holder: /** @type {string} */ (dids[0]),
      onBehalfOf: 'did:web:acme.example:users:alice',
      task: 'bench',
    },
    { format: 'biscuit', rootKey: root, issuer: 'did:web:acme.example' },
  );
  for (let i = 1; i <= HOPS; i++) {
    token = await attenuate(token, {
      to: /** @type {string} */ (dids[i]),
      signer: /** @type {KeyPair} */ (agents[i - 1]),
      trustedRoots: root.publicKey,
      narrowing: { expiresAt: now + 86_400 - i * 60 },
      limits: { maxBlocks: MAX_BLOCKS, maxTokenChars: 65_536 },
    });
  }
  return token.serialize();
}
const tokens = [];
for (let i = 0; i < (BATCHES + 1) * ITERATIONS; i++) tokens.push(await chain());

const here = fileURLToPath(new URL('..', import.meta.url));
const bundle = await build({
  entryPoints: [`${here}bench/page.tsx`],
  absWorkingDir: here,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  write: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  external: ['*.wasm', '@biscuit-auth/biscuit-wasm', '@biscuit-auth/biscuit-wasm/*'],
  logLevel: 'warning',
  tsconfigRaw: { compilerOptions: { jsx: 'react-jsx', jsxImportSource: 'preact' } },
});
const code = bundle.outputFiles[0]?.text ?? '';
const css = await readFile(new URL('../dist/page/app.css', import.meta.url), 'utf8');
const html = '<!doctype html><meta charset="utf-8"><title>console bench</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/app.css"><script type="module" src="/bench.js"></script>';
const server = createServer((req, res) => {
  if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  else if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code);
  else if (req.url === '/app.css') res.writeHead(200, { 'content-type': 'text/css; charset=utf-8' }).end(css);
  else res.writeHead(404).end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
const address = /** @type {import('node:net').AddressInfo} */ (server.address());
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`http://127.0.0.1:${address.port}/`);
  await page.waitForFunction(() => 'consoleBench' in globalThis);
  const input = { tokens, root: didKeyFromPublicKey(root.publicKey), maxBlocks: MAX_BLOCKS, maxTokenChars: 65_536, batches: BATCHES, iterations: ITERATIONS };
  const out = JSON.parse(
    await page.evaluate(async (text) => JSON.stringify(await /** @type {any} */ (globalThis).consoleBench(JSON.parse(text))), JSON.stringify(input)),
  );
  if (out.hops !== HOPS || !(out.drawn > 0)) throw new Error(`the page drew ${out.hops} hops, ${out.drawn} px high`);
  console.log(`\n## Drawing a ${HOPS}-hop chain against verifying it, headless Chromium (${await page.evaluate(() => navigator.userAgent)})\n`);
  printTable(out.rows, out.rows[0].name);
} finally {
  await browser.close();
  server.close();
}
