#!/usr/bin/env node
// Proves the published form works: packs @agent-id/cli with pnpm (prepack bundles it into
// .pack/), installs the tarball globally into a temporary prefix with plain npm, and runs
// the installed `agent-id`: --help, key new, token mint (Biscuit, so the .wasm must load
// from the installed @biscuit-auth/biscuit-wasm) and token authorize.
//
// Usage: node scripts/pack-check.mjs [--keep]
// npm fetches the registry dependencies (did-jwt, @noble/*, …) unless they are in its
// cache; --prefer-offline uses the cache first.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const work = await mkdtemp(join(tmpdir(), 'agent-id-pack-'));
const step = (what) => console.error(`pack-check: ${what}`);
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...options });

try {
  step('pnpm pack');
  run('pnpm', ['--filter', '@agent-id/cli', 'pack', '--pack-destination', work], { cwd: root });
  const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('pnpm pack produced no tarball');

  const prefix = join(work, 'prefix');
  step(`npm i -g --prefix ${prefix} ${tarball}`);
  run('npm', ['i', '-g', '--prefix', prefix, join(work, tarball), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work });
  const bin = join(prefix, 'bin', 'agent-id');

  step('agent-id --help');
  const help = run(bin, ['--help']);
  if (!help.includes('Usage: agent-id')) throw new Error(`unexpected --help output:\n${help}`);

  step('agent-id key new / token mint / token authorize');
  const org = run(bin, ['key', 'new', '--out', join(work, 'org.jwk')]).trim();
  const agent = run(bin, ['key', 'new', '--out', join(work, 'agent.jwk')]).trim();
  const token = run(bin, [
    'token', 'mint', '--format', 'biscuit', '--root-key', join(work, 'org.jwk'), '--agent', agent, '--user', 'alice', '--task', 't1',
    '--resource', 'files:/reports/*', '--action', 'read', '--audience', 'did:web:files.example', '--ttl', '5m',
  ]).trim();
  const verdict = JSON.parse(
    run(bin, ['token', 'authorize', '-', '--root', org, '--presenter', agent, '--resource', 'files:/reports/q3.pdf', '--action', 'read', '--audience', 'did:web:files.example', '--json'], {
      input: token,
    }),
  );
  if (verdict.allowed !== true) throw new Error(`authorize did not allow: ${JSON.stringify(verdict)}`);
  console.log(JSON.stringify({ ok: true, tarball, installedBin: bin, did: org, allowed: verdict.allowed }));
} catch (e) {
  const detail = e && typeof e === 'object' && 'stderr' in e ? `\n${e.stderr}` : '';
  console.error(`pack-check: FAILED: ${e instanceof Error ? e.message : String(e)}${detail}`);
  process.exitCode = 1;
} finally {
  if (!keep) await rm(work, { recursive: true, force: true });
  else step(`kept ${work}`);
}
