import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, type Plugin, build } from 'esbuild';

/** Where a bundle runs; each gets the export conditions that runtime's tooling uses. */
export type Target = 'browser' | 'workerd' | 'deno' | 'bun' | 'node';

const CONDITIONS: Record<Target, Pick<BuildOptions, 'platform' | 'conditions' | 'mainFields'>> = {
  // `browser` platform: the `browser` condition, and packages' `browser` field (which maps
  // their Node-only modules away).
  browser: { platform: 'browser' },
  // What wrangler asks for.
  workerd: { platform: 'browser', conditions: ['workerd', 'worker', 'browser'] },
  // Deno and Bun have Node's built-in modules (bare or `node:`): third-party code may use
  // them there; ours must not (the test says which module does).
  deno: { platform: 'neutral', conditions: ['deno'], mainFields: ['module', 'main'] },
  bun: { platform: 'neutral', conditions: ['bun'], mainFields: ['module', 'main'] },
  node: { platform: 'node' },
};

/** Deno resolves Node's built-in modules only with the `node:` prefix: write them so, as Deno's npm support does. */
const nodePrefix: Plugin = {
  name: 'node-prefix',
  setup(b) {
    const names = new Set(builtinModules);
    b.onResolve({ filter: /^[a-z_/]+$/ }, (args) => (names.has(args.path) ? { path: `node:${args.path}`, external: true } : undefined));
  },
};

/** The runtime side's entries (`runtime/*.ts`). */
export const ENTRIES = {
  cli: fileURLToPath(new URL('../runtime/cli.ts', import.meta.url)),
  worker: fileURLToPath(new URL('../runtime/worker.ts', import.meta.url)),
  page: fileURLToPath(new URL('../runtime/page.ts', import.meta.url)),
} as const;

export interface Bundle {
  code: string;
  /** Minified size in bytes, and gzipped (level 9). */
  bytes: number;
  gzipBytes: number;
  /**
   * Node built-in modules the bundle still imports (left external), as `module ← importer`
   * (`node:crypto ← packages/core/dist/keys.js`, `crypto ← multiformats/...`), from the
   * modules that are in the bundle: none is the goal off Node.
   */
  nodeImports: string[];
  /** Imports of WebAssembly (`.wasm` files, biscuit-wasm), left out of the bundle, with their kind (`dynamic-import` is loaded only when used). */
  wasmImports: string[];
}

export interface BundleOptions {
  /** Source text instead of a file: bundled as if it were a file in this package. */
  contents?: string;
  minify?: boolean;
}

/**
 * Bundles `entry` (a file, or `options.contents`) with esbuild for `target`, from the
 * workspace packages as built (`dist/`, through their `exports`). `node:` modules and
 * WebAssembly are left out and listed instead, so a test can say what still needs them.
 */
export async function bundle(target: Target, entry: string, options: BundleOptions = {}): Promise<Bundle> {
  const here = fileURLToPath(new URL('..', import.meta.url));
  const result = await build({
    ...(options.contents === undefined ? { entryPoints: [entry] } : { stdin: { contents: options.contents, resolveDir: here, sourcefile: entry, loader: 'ts' } }),
    ...CONDITIONS[target],
    absWorkingDir: here,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? false,
    write: false,
    outdir: 'out',
    metafile: true,
    logLevel: 'silent',
    // CommonJS dependencies (macaroon's `require('util')`) get the `require` that Deno's and
    // Bun's own npm support give them.
    ...(CONDITIONS[target].platform === 'neutral'
      ? { plugins: [nodePrefix], banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" } }
      : {}),
    external: ['node:*', '*.wasm', '@biscuit-auth/biscuit-wasm', '@biscuit-auth/biscuit-wasm/*'],
    legalComments: 'none',
    // As a user's bundler sees the packages: through their published `exports`/`imports`,
    // never the workspace's tsconfig `paths` (which point type checking at the Node sources).
    tsconfigRaw: {},
  });
  const builtins = new Set(builtinModules);
  const nodeImports = new Set<string>();
  const wasm = new Set<string>();
  const output = Object.values(result.metafile.outputs)[0]!;
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue;
    for (const i of result.metafile.inputs[file]?.imports ?? []) {
      if (!i.external) continue;
      const importer = relative(join(here, '../..'), join(here, file)).replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
      if (i.path.startsWith('node:') || builtins.has(i.path)) nodeImports.add(`${i.path} ← ${importer}`);
      if (i.path.endsWith('.wasm') || i.path.startsWith('@biscuit-auth/biscuit-wasm')) wasm.add(`${i.path} (${i.kind})`);
    }
  }
  const code = result.outputFiles[0]!.text;
  const bytes = result.outputFiles[0]!.contents;
  return {
    code,
    bytes: bytes.byteLength,
    gzipBytes: gzipSync(bytes, { level: 9 }).byteLength,
    nodeImports: [...nodeImports].sort(),
    wasmImports: [...wasm].sort(),
  };
}
