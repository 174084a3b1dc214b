// Builds the console page (src/page) into dist/page: index.html, app.js, app.css. The page is
// bundled for browsers (the `browser` export condition: the libraries' portable builds) and
// loads nothing from another origin. Prints its weight, gzipped.
// Usage: node scripts/build-page.mjs
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('..', import.meta.url));
const out = `${here}dist/page/`;
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: [`${here}src/page/main.tsx`],
  absWorkingDir: here,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outfile: `${out}app.js`,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  // biscuit-wasm is needed by no path the page takes (reading, verifying and authorizing
  // are native); left out so the page never loads WebAssembly.
  external: ['*.wasm', '@biscuit-auth/biscuit-wasm', '@biscuit-auth/biscuit-wasm/*'],
  // As a user's bundler sees the packages: through their published `exports`.
  tsconfigRaw: { compilerOptions: { jsx: 'react-jsx', jsxImportSource: 'preact' } },
});
await copyFile(`${here}src/page/index.html`, `${out}index.html`);
await copyFile(`${here}src/page/app.css`, `${out}app.css`);
const { readFile } = await import('node:fs/promises');
const sizes = {};
for (const f of ['index.html', 'app.js', 'app.css']) {
  const bytes = await readFile(`${out}${f}`);
  sizes[f] = { bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
}
const total = Object.values(sizes).reduce((n, s) => n + s.gzipBytes, 0);
await writeFile(`${here}dist/page-report.json`, `${JSON.stringify({ sizes, gzipTotal: total, wasm: 0 }, null, 2)}\n`);
await writeFile(`${here}dist/page-meta.json`, JSON.stringify(result.metafile));
console.log(`console page: ${(total / 1024).toFixed(1)} KiB gzipped (${Object.entries(sizes).map(([f, s]) => `${f} ${(s.gzipBytes / 1024).toFixed(1)}`).join(', ')}), no WebAssembly`);
