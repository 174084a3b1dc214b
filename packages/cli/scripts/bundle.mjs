#!/usr/bin/env node
// Builds the publishable form of @agent-id/cli into a staging folder (default .pack/):
//   .pack/dist/bin.js             src/bin.ts (the program: commander and the group list)
//   .pack/dist/commands/<g>.js    one bundle per command group, loaded only when the
//                                 command line names it; each bundles the workspace
//                                 packages (@agent-id/*), which are not on the npm
//                                 registry, tree-shaken to what the group uses; every
//                                 other package stays external
//   .pack/dist/commands/<g>/…     the parts of group <g> it loads only when a command
//                                 needs them (its dynamic import()s: the PostgreSQL store,
//                                 biscuit-wasm's loader), and what those share with <g>
//   .pack/package.json            the published manifest: the external packages become
//                                 its dependencies, at the versions the workspace pins
//   .pack/README.md
// `pnpm pack` reads .pack/ (publishConfig.directory), so the tarball installs with plain
// npm, e.g. `npm i -g ./agent-id-cli-0.1.0.tgz`.
//
// Usage: node scripts/bundle.mjs [outdir] [--link]
//   --link  also symlink outdir/node_modules/<dep> to the workspace's installed copies, so
//           the bundle runs in place, offline (the benchmark uses this; pack does not).
import { cp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const link = args.includes('--link');
const outdir = resolve(root, args.find((a) => !a.startsWith('--')) ?? '.pack');
const WORKSPACE_SCOPE = '@agent-id/';

const readJson = async (path) => JSON.parse(await readFile(path, 'utf8'));
const manifest = await readJson(join(root, 'package.json'));

/** Name of the package an import specifier belongs to: `@noble/curves/ed25519.js` → `@noble/curves`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Where `name` is installed as seen from `dir` (node_modules walk; `exports` may hide package.json). */
function installedDir(dir, name) {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(d) === d) return undefined;
  }
}

/** The pinned versions the workspace packages declare, walking @agent-id/* dependencies. */
async function declaredVersions() {
  const versions = new Map();
  const seen = new Set();
  const visit = async (dir, pkg) => {
    if (seen.has(pkg.name)) return;
    seen.add(pkg.name);
    for (const [name, spec] of Object.entries(pkg.dependencies ?? {})) {
      if (name.startsWith(WORKSPACE_SCOPE)) {
        const depDir = installedDir(dir, name);
        await visit(depDir, await readJson(join(depDir, 'package.json')));
      } else if (!versions.has(name)) {
        versions.set(name, { spec, from: pkg.name, dir: installedDir(dir, name) });
      }
    }
  };
  await visit(root, manifest);
  return versions;
}

const versions = await declaredVersions();

// esbuild reads the workspace packages' compiled dist/ (their package.json exports).
for (const name of ['core', 'did', 'tokens', 'a2a-cards', 'postgres']) {
  const entry = join(root, 'node_modules', '@agent-id', name, 'dist', 'index.js');
  if (!existsSync(entry)) {
    console.error(`bundle: ${entry} is missing: build the workspace first (pnpm build, or tsc -p tsconfig.build.json in packages/${name})`);
    process.exit(1);
  }
}
const externals = new Set();

/** Bundles @agent-id/* (and relative files); leaves every registry package external. */
const keepRegistryPackagesExternal = {
  name: 'keep-registry-packages-external',
  setup(b) {
    // program.ts loads the groups with import('./commands/<g>.js'): separate bundles.
    b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) =>
      args.importer.endsWith(join('src', 'program.ts')) ? { path: args.path, external: true } : undefined,
    );
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (builtins.has(args.path) || args.path.startsWith('node:')) return { path: args.path, external: true };
      // A workspace package's own `#…` imports (its platform layer) are bundled with it.
      if (args.path.startsWith(WORKSPACE_SCOPE) || args.path.startsWith('#')) return undefined;
      externals.add(packageName(args.path));
      return { path: args.path, external: true };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const groups = (await readdir(join(root, 'src', 'commands'))).filter((f) => f.endsWith('.ts') && f !== 'shared.ts').map((f) => f.slice(0, -3));
const common = {
  absWorkingDir: root,
  outdir: join(outdir, 'dist'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  mainFields: ['module', 'main'],
  conditions: ['import', 'node'],
  legalComments: 'none',
  sourcemap: false,
  minify: false,
  logLevel: 'warning',
  plugins: [keepRegistryPackagesExternal],
};
// One build per group, split at its dynamic import()s, so `agent-id token mint` never loads
// the PostgreSQL client that `--revocations postgres://…` needs. Not one split build of
// all groups: its shared chunks follow barrel re-exports (e.g. every module of
// @agent-id/did), so every command would load every group's dependencies (did-jwt, …).
await Promise.all([
  build({ ...common, entryPoints: { bin: 'src/bin.ts' }, splitting: false }),
  ...groups.map((g) =>
    build({ ...common, entryPoints: { [`commands/${g}`]: `src/commands/${g}.ts` }, splitting: true, chunkNames: `commands/${g}/[name]-[hash]` }),
  ),
]);

const missing = [...externals].filter((name) => !versions.has(name));
if (missing.length > 0) {
  console.error(`bundle: no workspace package declares ${missing.join(', ')}; add it to the declaring package's dependencies`);
  process.exit(1);
}

const dependencies = Object.fromEntries(
  [...externals].sort().map((name) => [name, versions.get(name).spec]),
);

// The .wasm of @biscuit-auth/biscuit-wasm is loaded at run time from its own package
// folder (import.meta.resolve), never through an import esbuild can see: keep it listed.
for (const name of ['@biscuit-auth/biscuit-wasm']) {
  if (versions.has(name) && !(name in dependencies)) dependencies[name] = versions.get(name).spec;
}

const published = {
  name: manifest.name,
  version: manifest.version,
  description: manifest.description,
  license: manifest.license,
  type: 'module',
  engines: manifest.engines,
  bin: { 'agent-id': './dist/bin.js' },
  files: ['dist', 'README.md'],
  dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
};
for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'author']) {
  if (manifest[field] !== undefined) published[field] = manifest[field];
}

await writeFile(join(outdir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
if (link) {
  for (const name of Object.keys(published.dependencies)) {
    const target = join(outdir, 'node_modules', name);
    await mkdir(dirname(target), { recursive: true });
    const source = versions.get(name).dir;
    if (source === undefined) throw new Error(`bundle --link: ${name} is not installed in the workspace`);
    await symlink(source, target, 'dir');
  }
}
await cp(join(root, 'README.md'), join(outdir, 'README.md')).catch(() => undefined);
console.error(`bundle: ${outdir} (dependencies: ${Object.keys(published.dependencies).join(', ') || 'none'})`);
