#!/usr/bin/env node
// Process time of `agent-id token mint`, and of `agent-id token attenuate` and `agent-id
// token authorize` on a 3-hop token (Biscuit and Macaroon), against `node -e 0` measured in
// the same run, as ratios.
// Each figure is the median wall time of RUNS process starts; the commands are
// interleaved round by round so machine load affects them alike.
//
// Two forms of the CLI are measured:
//   workspace  dist/bin.js as tsc builds it (imports the workspace packages' dist/)
//   bundle     the published form (scripts/bundle.mjs: one file per command group,
//              tree-shaken), built into .bench/ and linked to the installed dependencies
//
// Wall time and, where GNU time is installed, CPU time (user + system) are both reported.
//
// Usage: node bench/run.js [--runs N] [--json] [--installed DIR]... [--installed-only]
// Needs the CLI and the workspace packages built (pnpm build).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { median } from '@agent-id/test-support/bench';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 10;
const asJson = args.includes('--json');

const workspaceBin = join(root, 'dist', 'bin.js');
if (!existsSync(workspaceBin)) {
  console.error('bench: dist/bin.js is missing: build first (pnpm build)');
  process.exit(1);
}
// --installed DIR (repeatable): also time the CLI npm installed there from its packed
// tarball (`pnpm --filter @agent-id/cli pack`, then `npm install <tarball>` in DIR), e.g.
// this build's and another's, interleaved; --installed-only: those forms alone.
const installedBins = args.flatMap((a, i) => (a === '--installed' ? [join(resolve(args[i + 1]), 'node_modules', '@agent-id', 'cli', 'dist', 'bin.js')] : []));
for (const bin of installedBins) {
  if (!existsSync(bin)) {
    console.error(`bench: ${bin} is missing`);
    process.exit(1);
  }
}
const installedOnly = args.includes('--installed-only') && installedBins.length > 0;
const bundleDir = join(root, '.bench');
execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs'), bundleDir, '--link'], { stdio: ['ignore', 'ignore', 'inherit'] });
const bundleBin = join(bundleDir, 'dist', 'bin.js');

const work = mkdtempSync(join(tmpdir(), 'agent-id-bench-'));
const file = (name) => join(work, name);

function cli(bin, argv, input) {
  const r = spawnSync(process.execPath, [bin, ...argv], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`agent-id ${argv.slice(0, 2).join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

// Fixture: an organisation, four agents, a root secret, and a 3-hop token of each format.
const names = ['org', 'a0', 'a1', 'a2', 'a3', 'a4'];
const did = Object.fromEntries(names.map((n) => [n, cli(workspaceBin, ['key', 'new', '--out', file(`${n}.jwk`)])]));
cli(workspaceBin, ['key', 'secret', '--out', file('root.secret'), '--kid', 'bench']);
const AUDIENCE = 'did:web:files.example';
const fixtures = {};
for (const format of ['biscuit', 'macaroon']) {
  const read = format === 'biscuit' ? ['--root', did.org] : [];
  const mint = [
    'token', 'mint', '--format', format,
    ...(format === 'biscuit' ? ['--root-key', file('org.jwk')] : ['--root-secret', file('root.secret'), '--issuer', 'did:web:acme.example']),
    '--agent', did.a0, '--user', 'alice', '--task', 'bench', '--resource', 'files:/reports/*', '--action', 'read', 'write',
    '--audience', AUDIENCE, '--ttl', '1h', '--max-depth', '5',
  ];
  let token = cli(workspaceBin, mint);
  for (let hop = 1; hop <= 3; hop++) {
    token = cli(workspaceBin, ['token', 'attenuate', '-', '--key', file(`a${hop - 1}.jwk`), '--to', did[`a${hop}`], '--action', 'read', ...read], token);
  }
  writeFileSync(file(`${format}.token`), token);
  fixtures[format] = {
    mint,
    attenuate: ['token', 'attenuate', `@${file(`${format}.token`)}`, '--key', file('a3.jwk'), '--to', did.a4, '--resource', 'files:/reports/q3/*', ...read],
    authorize: [
      'token', 'authorize', `@${file(`${format}.token`)}`,
      ...(format === 'biscuit' ? ['--root', did.org] : ['--root-secret', file('root.secret')]),
      '--presenter', did.a3, '--resource', 'files:/reports/q3/summary.pdf', '--action', 'read', '--audience', AUDIENCE, '--task', 'bench',
    ],
  };
}

// CPU time (user + system) too, from GNU time where present: on a machine shared with other
// work, wall time is mostly waiting for a core, CPU time much less so.
const GNU_TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));

/** Wall and CPU time of one process run, in ms; the exit code must be 0. */
function time(argv) {
  const start = process.hrtime.bigint();
  const r = GNU_TIME
    ? spawnSync(GNU_TIME, ['-f', 'cpu %U %S', process.execPath, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    : spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ').slice(0, 120)} exited ${r.status}: ${r.stderr}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { ms, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN };
}

const cases = [['node -e 0', ['-e', '0']]];
const installedForms = installedBins.map((bin, i) => [installedBins.length > 1 ? `installed#${i + 1}` : 'installed', bin]);
for (const [form, bin] of [...(installedOnly ? [] : [['workspace', workspaceBin], ['bundle', bundleBin]]), ...installedForms]) {
  for (const format of ['biscuit', 'macaroon']) {
    for (const command of ['mint', 'attenuate', 'authorize']) cases.push([`${form} ${format} token ${command}`, [bin, ...fixtures[format][command]]]);
  }
}

for (const [, argv] of cases) time(argv); // warm the file cache
const samples = new Map(cases.map(([name]) => [name, []]));
const cpuSamples = new Map(cases.map(([name]) => [name, []]));
for (let round = 0; round < RUNS; round++) {
  for (const [name, argv] of cases) {
    const { ms, cpuMs } = time(argv);
    samples.get(name).push(ms);
    cpuSamples.get(name).push(cpuMs);
  }
}
rmSync(work, { recursive: true, force: true });

const baseline = median(samples.get('node -e 0'));
const cpuBaseline = median(cpuSamples.get('node -e 0'));
const results = cases.map(([name]) => {
  const ms = median(samples.get(name));
  const cpuMs = median(cpuSamples.get(name));
  return { name, medianMs: Number(ms.toFixed(1)), ratioToNodeE0: Number((ms / baseline).toFixed(2)), cpuMs: Number(cpuMs.toFixed(1)), cpuRatioToNodeE0: Number((cpuMs / cpuBaseline).toFixed(2)) };
});

if (asJson) {
  console.log(JSON.stringify({ node: process.version, runs: RUNS, baselineMs: Number(baseline.toFixed(1)), results }, null, 2));
} else {
  console.log(`agent-id process time, 3-hop token, median of ${RUNS} runs (node ${process.version})`);
  if (installedForms.length > 1) for (const [form, bin] of installedForms) console.log(`${form}: ${bin}`);
  console.log(`${'case'.padEnd(44)} ${'median ms'.padStart(10)} ${'× node -e 0'.padStart(12)} ${'CPU ms'.padStart(8)} ${'CPU ×'.padStart(6)}`);
  for (const r of results) {
    console.log(`${r.name.padEnd(44)} ${r.medianMs.toFixed(1).padStart(10)} ${r.ratioToNodeE0.toFixed(2).padStart(12)} ${r.cpuMs.toFixed(1).padStart(8)} ${r.cpuRatioToNodeE0.toFixed(2).padStart(6)}`);
  }
}
