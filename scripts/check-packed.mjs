// Proves what a user of the published packages meets, from the packed tarballs in an empty
// npm project (no workspace around it):
//  1. every library package and the CLI install by name, with their typings;
//  2. a TypeScript consumer that imports every package compiles with `strict` and
//     `skipLibCheck: false` (no public declaration may drag in a dependency's broken typings);
//  3. every README snippet runs as pasted: the ```ts blocks of one README, in order, form one
//     ES module (type-checked like the consumer, then run with node); its ```sh blocks run
//     in bash with the installed `agent-id` on PATH. A block whose info string says
//     `workspace` (```sh workspace) is a command for the repository itself (install, build,
//     test): CI runs those directly, not here.
// Usage: node scripts/check-packed.mjs [--keep] [README.md …]   (default: every README)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const libraries = ['core', 'did', 'tokens', 'a2a-cards', 'http', 'mcp', 'a2a', 'postgres', 'oauth', 'console'];
// The consumer's own toolchain, pinned like the workspace's.
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const consumerTools = [`typescript@${rootManifest.devDependencies.typescript}`, `@types/node@${rootManifest.devDependencies['@types/node']}`];

const readmes = args.filter((a) => a.endsWith('.md')).map((a) => join(process.cwd(), a));
if (readmes.length === 0) {
  readmes.push(join(root, 'README.md'));
  for (const dir of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, dir))) {
      const file = join(root, dir, name, 'README.md');
      if (existsSync(file)) readmes.push(file);
    }
  }
}

const work = mkdtempSync(join(tmpdir(), 'agent-id-packed-'));
const packs = join(work, 'packs');
const app = join(work, 'app');
const run = (cmd, argv, cwd, env = process.env) =>
  execFileSync(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 120_000 });
const say = (line) => console.log(`check-packed: ${line}`);
const indented = (text) => (text === '' ? '' : `${text.replace(/\n$/, '').replace(/^/gm, '    ')}\n`);

/** The fenced code blocks of a Markdown file: language, the rest of the info string, code, line. */
function codeBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    blocks.push({ lang: open[1], info: open[2], code: lines.slice(start, end).join('\n'), line: start });
    i = end;
  }
  return blocks;
}

let failures = 0;
try {
  mkdirSync(packs, { recursive: true });
  mkdirSync(app, { recursive: true });
  for (const p of libraries) run('pnpm', ['pack', '--pack-destination', packs], join(root, 'packages', p));
  run('pnpm', ['--filter', '@agent-id/cli', 'pack', '--pack-destination', packs], root);
  const tarballs = readdirSync(packs).map((f) => join(packs, f));
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'readme-user', private: true, type: 'module' }, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, ...consumerTools], app);
  for (const p of libraries) {
    if (!existsSync(join(app, 'node_modules', '@agent-id', p, 'dist', 'index.d.ts'))) throw new Error(`@agent-id/${p}: no typings at dist/index.d.ts`);
  }
  say(`${libraries.map((p) => `@agent-id/${p}`).join(', ')} and @agent-id/cli install from their tarballs`);

  // One TypeScript program: the consumer and every README's module.
  const sources = [];
  writeFileSync(join(app, 'consumer.ts'), libraries.map((p, i) => `import * as p${i} from '@agent-id/${p}';`).join('\n') + `\nexport const all = [${libraries.map((_, i) => `p${i}`).join(', ')}];\n`);
  sources.push('consumer.ts');
  const shells = [];
  for (const readme of readmes) {
    const name = relative(root, readme).replace(/\/?README\.md$/, '').replace(/\//g, '-') || 'root';
    const blocks = codeBlocks(readFileSync(readme, 'utf8')).filter((b) => !/\bworkspace\b/.test(b.info));
    const ts = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');
    const sh = blocks.filter((b) => b.lang === 'sh' || b.lang === 'bash');
    const where = relative(root, readme);
    if (ts.length > 0) {
      const file = `readme-${name}.ts`;
      // Each block keeps its README line in a comment so a failure points back to it.
      writeFileSync(join(app, file), `${ts.map((b) => `// ${where}:${b.line}\n${b.code}`).join('\n\n')}\nexport {};\n`);
      sources.push(file);
    }
    if (sh.length > 0) shells.push({ where, script: sh.map((b) => `# ${where}:${b.line}\n${b.code}`).join('\n\n') });
  }
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, skipLibCheck: false, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022',
        types: ['node'], outDir: 'out', rootDir: '.', noUnusedLocals: false,
      },
      files: sources,
    }),
  );
  try {
    run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], app);
    say(`a consumer of every package and ${sources.length - 1} README modules compile (strict, skipLibCheck: false)`);
  } catch (error) {
    failures++;
    console.error(`check-packed: tsc failed:\n${error.stdout ?? error.message}`);
  }

  for (const file of sources.slice(1)) {
    const dir = mkdtempSync(join(work, 'run-'));
    try {
      const output = run(process.execPath, [join(app, 'out', file.replace(/\.ts$/, '.js'))], dir);
      say(`${file}: runs`);
      process.stdout.write(indented(output));
    } catch (error) {
      failures++;
      console.error(`check-packed: ${file} failed:\n${error.stdout ?? ''}${error.message}`);
    }
  }
  for (const { where, script } of shells) {
    const dir = mkdtempSync(join(work, 'sh-'));
    try {
      const env = { ...process.env, PATH: `${join(app, 'node_modules', '.bin')}:${process.env.PATH}` };
      const output = run('bash', ['-euo', 'pipefail', '-c', script], dir, env);
      say(`${where}: shell snippets run`);
      process.stdout.write(indented(output));
    } catch (error) {
      failures++;
      console.error(`check-packed: ${where} shell snippets failed:\n${error.stdout ?? ''}${error.message}`);
    }
  }
} finally {
  if (keep) console.error(`check-packed: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`check-packed: ${failures} failure(s)`);
  process.exit(1);
}
