import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function hasPnpm(): boolean {
  try {
    execFileSync('pnpm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Packs with pnpm, installs the tarball with `npm i -g --prefix <tmp>` and runs the
// installed agent-id (--help, key new, token mint, token authorize). npm takes the
// registry dependencies from its cache first (--prefer-offline). Set
// AGENT_ID_SKIP_PACK_TEST=1 to skip on a machine without the npm registry or its cache.
describe.skipIf(!hasPnpm() || process.env.AGENT_ID_SKIP_PACK_TEST === '1')('the packed tarball', () => {
  it('installs globally with npm and runs', async () => {
    const result = await run(process.execPath, [join(root, 'scripts', 'pack-check.mjs')], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { ok: boolean; allowed: boolean; did: string };
    expect(summary).toMatchObject({ ok: true, allowed: true });
    expect(summary.did).toMatch(/^did:key:z6Mk/);
  }, 120_000);
});
