import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, sh } from './helpers.js';

// `pnpm agent-id …` from anywhere in the workspace runs the linked bin (bin/agent-id.js,
// through the root's devDependency on @agent-id/cli): in the caller's directory, with
// nothing on stdout but the command's own output, so pnpm runs can be piped together.

const cliRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = (JSON.parse(await readFile(join(cliRoot, 'package.json'), 'utf8')) as { version: string }).version;

function hasPnpm(): boolean {
  try {
    execFileSync('pnpm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasPnpm())('pnpm agent-id in the workspace', () => {
  let dir: string;

  beforeAll(async () => {
    // Inside the workspace (ignored by git), so pnpm finds it: a caller's own directory.
    dir = await mkdtemp(join(cliRoot, '.test-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints only the output: pnpm agent-id --version from a subdirectory', async () => {
    const r = await run('pnpm', ['agent-id', '--version'], { cwd: join(cliRoot, 'test') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  }, 120_000);

  it("resolves relative paths against the caller's directory, and pipes", async () => {
    const made = await run('bash', ['-c', 'pnpm agent-id key new --out org.jwk && pnpm agent-id key new --out agent.jwk'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const [org, agent] = made.stdout.trim().split('\n');
    expect(existsSync(join(dir, 'org.jwk')) && existsSync(join(dir, 'agent.jwk'))).toBe(true);
    const mint = ['pnpm', 'agent-id', 'token', 'mint', '--format', 'biscuit', '--root-key', 'org.jwk', '--agent', agent!, '--user', 'alice', '--task', 't'];
    const pipeline = [
      [...mint, '--resource', 'files:/*', '--action', 'read', '--audience', 'did:web:files.example', '--ttl', '5m'],
      ['pnpm', 'agent-id', 'token', 'inspect', '-', '--root', org!, '--json'],
    ];
    const r = await run('bash', ['-o', 'pipefail', '-c', pipeline.map((stage) => stage.map(sh).join(' ')).join(' | ')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { chain: { from: string; to: string }[] }).chain).toEqual([expect.objectContaining({ from: org, to: agent })]);
  }, 120_000);
});

describe('bin/agent-id.js before the CLI is built', () => {
  it('says to build first, in one line, instead of a stack trace', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'agent-id-unbuilt-'));
    try {
      await mkdir(join(copy, 'bin'));
      await copyFile(join(cliRoot, 'bin', 'agent-id.js'), join(copy, 'bin', 'agent-id.js'));
      const r = await run(process.execPath, [join(copy, 'bin', 'agent-id.js'), '--version']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('agent-id: the CLI is not built yet: run pnpm build first (in the workspace root)\n');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
