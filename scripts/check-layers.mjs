// Checks the structure DESIGN.md sets: workspace packages depend on each other only in the
// allowed direction (in package.json and in every import of their sources), and no module
// imports itself back through a cycle, within a package or across packages.
// Usage: node scripts/check-layers.mjs   (exit 1 and one line per violation)
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Which workspace packages each one may use. A package missing from this table is a violation:
// a new package states its place here when it is added.
const ALLOWED = {
  '@agent-id/core': [],
  '@agent-id/did': ['@agent-id/core'],
  '@agent-id/tokens': ['@agent-id/core', '@agent-id/did'],
  '@agent-id/a2a-cards': ['@agent-id/core', '@agent-id/did'],
  '@agent-id/http': ['@agent-id/core', '@agent-id/did', '@agent-id/tokens', '@agent-id/a2a-cards'],
  '@agent-id/mcp': ['@agent-id/core', '@agent-id/did', '@agent-id/tokens', '@agent-id/http'],
  '@agent-id/a2a': ['@agent-id/core', '@agent-id/did', '@agent-id/tokens', '@agent-id/a2a-cards', '@agent-id/http'],
  '@agent-id/oauth': ['@agent-id/core', '@agent-id/did', '@agent-id/tokens', '@agent-id/http'],
  '@agent-id/postgres': ['@agent-id/core', '@agent-id/tokens'],
  // The console page verifies in the browser with the portable libraries; its server needs none.
  '@agent-id/console': ['@agent-id/core', '@agent-id/did', '@agent-id/tokens', '@agent-id/a2a-cards'],
  '@agent-id/cli': ['*'],
  '@agent-id/demo-agents': ['*'],
  // Shared test and bench helpers: core's tests use it, so it may use no workspace package.
  '@agent-id/test-support': [],
  // Cross-runtime tests and browser benchmarks: uses the libraries, never used by one.
  '@agent-id/runtimes': ['@agent-id/core', '@agent-id/did', '@agent-id/tokens', '@agent-id/a2a-cards', '@agent-id/http', '@agent-id/test-support'],
};

// Packages for tests and benchmarks only: any package may list them in devDependencies, none
// in dependencies (or peer/optional ones), and no module under a package's src/ may import them.
const DEV_ONLY = new Set(['@agent-id/test-support', '@agent-id/runtimes']);

const problems = [];
const packages = [];
for (const dir of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, dir))) {
    const manifestPath = join(root, dir, name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    packages.push({ dir: join(root, dir, name), manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) });
  }
}
const byName = new Map(packages.map((p) => [p.manifest.name, p]));

function allowed(from, to) {
  const rule = ALLOWED[from];
  return rule !== undefined && (rule.includes('*') ? to !== from : rule.includes(to));
}

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
function importsOf(file) {
  // Comments hold examples (`import … from '@agent-id/x'` in TSDoc) that are not imports.
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

// Relative specifiers are written with `.js`; the file on disk is `.ts`.
function resolveRelative(from, specifier) {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

// Where a workspace package's entry (or subpath) lives in its sources, for the cycle graph:
// the `exports` entry Node would load (`@agent-id/core/internal` → `./dist/internal.js`),
// mapped back to the file tsc compiled it from (`src/internal.ts`). Undefined when the
// package does not export that subpath or no source file matches: the caller reports it, so
// no import is silently left out of the graph.
function resolveWorkspace(specifier) {
  const match = /^(@agent-id\/[^/]+)(\/.*)?$/.exec(specifier);
  const target = match && byName.get(match[1]);
  if (!target) return undefined;
  const subpath = match[2] ? `.${match[2]}` : '.';
  const { exports } = target.manifest;
  let entry = exports === undefined ? (subpath === '.' ? (target.manifest.main ?? './dist/index.js') : undefined) : typeof exports === 'string' ? (subpath === '.' ? exports : undefined) : exports[subpath];
  if (entry !== null && typeof entry === 'object') entry = entry.import ?? entry.default;
  if (typeof entry !== 'string') return undefined;
  const source = entry.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');
  const file = join(target.dir, source);
  return existsSync(file) ? file : undefined;
}

const graph = new Map();
for (const { dir, manifest } of packages) {
  const name = manifest.name;
  if (!(name in ALLOWED)) problems.push(`${name}: not in scripts/check-layers.mjs ALLOWED (state which packages it may use)`);
  const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies, ...manifest.devDependencies }).filter((d) => byName.has(d));
  for (const dep of declared) {
    if (DEV_ONLY.has(dep)) {
      const field = ['dependencies', 'peerDependencies', 'optionalDependencies'].find((f) => manifest[f]?.[dep] !== undefined);
      if (field) problems.push(`${name}: package.json lists ${dep} in ${field}; it is for tests and benchmarks only (devDependencies)`);
    } else if (!allowed(name, dep)) problems.push(`${name}: package.json depends on ${dep}, which it may not use`);
  }
  for (const file of sourceFiles(join(dir, 'src'))) {
    const edges = [];
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = resolveRelative(file, specifier);
        if (target) edges.push(target);
        continue;
      }
      const pkg = /^(@agent-id\/[^/]+)/.exec(specifier)?.[1];
      if (!pkg || !byName.has(pkg)) continue;
      const where = relative(root, file);
      // A test-only package's own src/ (the runtimes harness) may use another test-only package.
      if (DEV_ONLY.has(pkg) && pkg !== name && !DEV_ONLY.has(name)) problems.push(`${where}: imports ${specifier}, which is for tests and benchmarks only (never from src/)`);
      else if (!allowed(name, pkg)) problems.push(`${where}: imports ${specifier}, which ${name} may not use`);
      else if (!declared.includes(pkg)) problems.push(`${where}: imports ${specifier} without declaring ${pkg} in package.json`);
      const target = resolveWorkspace(specifier);
      if (target) edges.push(target);
      else problems.push(`${where}: imports ${specifier}, which is not an export of ${pkg} with a source file (package.json exports → src/*.ts)`);
    }
    graph.set(file, edges);
  }
}

// Tarjan's strongly connected components: any component with more than one module, or a
// module importing itself, is a cycle.
let index = 0;
const stack = [];
const state = new Map();
function connect(node) {
  const s = { index, low: index, onStack: true };
  index++;
  state.set(node, s);
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue;
    const t = state.get(next);
    if (t === undefined) {
      connect(next);
      s.low = Math.min(s.low, state.get(next).low);
    } else if (t.onStack) {
      s.low = Math.min(s.low, t.index);
    }
  }
  if (s.low === s.index) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      state.get(member).onStack = false;
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) {
      problems.push(`import cycle: ${component.map((f) => relative(root, f)).sort().join(' ↔ ')}`);
    }
  }
}
for (const node of graph.keys()) if (!state.has(node)) connect(node);

if (problems.length > 0) {
  for (const p of problems) console.error(`check-layers: ${p}`);
  process.exit(1);
}
console.log(`check-layers: ${packages.length} packages, ${graph.size} modules: dependencies point the allowed way, no import cycle`);
