// Checks that the main entry of every portable library runs without Node: bundles each
// package's BUILT main entry (dist, after `pnpm build`) with its dependencies, once per
// runtime's export conditions (browser, workerd/worker, deno, bun, and none), and fails on
// any import of a Node built-in (`node:fs`, bare `crypto`, ...) reachable from it, and on a
// use of Node's `Buffer` or `process` globals in the package's own reachable files. The
// `…/node` subpaths are exempt: they are where Node-only parts live. Also checks that under
// the `node` condition the same entries do use the node:crypto platform (so Node keeps its
// fast path).
// Usage: node scripts/check-portable.mjs   (exit 1 and one line per problem)
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Libraries whose main entry must run anywhere (mcp, a2a, oauth and postgres are Node servers; console's server is its /node entry). */
const PORTABLE = ['core', 'did', 'tokens', 'a2a-cards', 'http', 'console'];
/** Entries of them that must be portable too. */
const EXTRA_ENTRIES = { core: ['internal'] };
// How each runtime (or its bundler) resolves: its export conditions, whether it reads the
// `browser` field of dependencies, and whether a dependency may import a Node built-in it
// implements itself (Deno and Bun do; our own files may not, even there).
const RUNTIMES = {
  browser: { conditions: ['browser'], platform: 'browser' },
  workerd: { conditions: ['workerd', 'worker', 'browser'], platform: 'browser' },
  deno: { conditions: ['deno', 'node'], platform: 'neutral', builtinsInDependencies: true },
  bun: { conditions: ['bun', 'node'], platform: 'neutral', builtinsInDependencies: true },
  default: { conditions: [], platform: 'neutral', builtinsInDependencies: true },
};
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));
const isBuiltin = (specifier) => specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]);
const NODE_GLOBAL = /(?<![.\w$'"`])(Buffer|process)\s*\.\s*[A-Za-z_]/;

function stripComments(source) {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const SELF = Symbol('check-portable');

async function bundle(entry, { conditions, platform, mainFields }) {
  const builtins = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform,
    mainFields: mainFields ?? (platform === 'browser' ? ['browser', 'module', 'main'] : ['module', 'main']),
    conditions,
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, async (args) => {
            if (args.kind === 'entry-point' || args.pluginData === SELF || !isBuiltin(args.path)) return undefined;
            // As the runtime's bundler would: a dependency's `browser` map may replace the built-in.
            const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: SELF });
            if (resolved.errors.length === 0 && !resolved.external) {
              // `"crypto": false` in a `browser` map: an empty module.
              return isBuiltin(resolved.path) && resolved.namespace === '' ? { path: args.path, namespace: 'disabled' } : resolved;
            }
            builtins.push({ specifier: args.path, importer: relative(root, args.importer) });
            return { path: args.path, external: true };
          });
          b.onLoad({ filter: /.*/, namespace: 'disabled' }, () => ({ contents: 'export {}', loader: 'js' }));
        },
      },
    ],
  });
  return { builtins, inputs: Object.keys(result.metafile.inputs) };
}

const problems = [];
for (const name of PORTABLE) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const sub of ['.', ...(EXTRA_ENTRIES[name] ?? []).map((s) => `./${s}`)]) {
    const target = manifest.exports?.[sub];
    const file = typeof target === 'string' ? target : (target?.default ?? target?.import);
    if (!file) {
      problems.push(`${manifest.name} ${sub}: no export`);
      continue;
    }
    const entry = join(dir, file);
    const label = `${manifest.name}${sub === '.' ? '' : sub.slice(1)}`;
    for (const [runtime, options] of Object.entries(RUNTIMES)) {
      let found;
      try {
        found = await bundle(entry, options);
      } catch (error) {
        problems.push(`${label} [${runtime}]: does not bundle: ${error.errors?.[0]?.text ?? error.message}`);
        continue;
      }
      for (const { specifier, importer } of found.builtins) {
        if (options.builtinsInDependencies && importer.includes('node_modules')) continue;
        problems.push(`${label} [${runtime}]: ${importer} imports ${specifier}`);
      }
      for (const input of found.inputs) {
        if (input.includes('node_modules') || !input.includes('/dist/')) continue;
        const source = stripComments(readFileSync(join(root, input), 'utf8'));
        const use = NODE_GLOBAL.exec(source);
        if (use) problems.push(`${label} [${runtime}]: ${input} uses Node's global ${use[1]}`);
      }
    }
    // Under `node` the platform layer must be node:crypto's (the fast path is kept).
    if (name === 'core' && sub === '.') {
      const node = await bundle(entry, { conditions: ['node'], platform: 'neutral' });
      if (!node.builtins.some((b) => b.specifier === 'node:crypto')) problems.push(`${label} [node]: does not use node:crypto`);
    }
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-portable: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check-portable: the main entries of ${PORTABLE.length} packages import no Node built-in under ${Object.keys(RUNTIMES).join(', ')}`);
