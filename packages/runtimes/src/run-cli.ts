import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckRequest, CheckResult } from './protocol.js';
import { bunBinary, denoBinary } from './binaries.js';

/** Must equal `RESULT_MARKER` in `runtime/cli.ts` (not imported: that module runs on import). */
const RESULT_MARKER = '@@agent-id-runtimes-result@@';

export interface CliRun {
  result: CheckResult;
  /** What the runtime printed besides the result. */
  output: string;
}

/**
 * Runs the CLI bundle (`runtime/cli.ts`, bundled for `runtime`) once in Deno or Bun with
 * `request` on stdin, in an empty temporary directory. Deno gets no permission at all
 * (no file, network or environment access): the checks must need none. Killed after
 * `timeoutMs`.
 */
export async function runCli(runtime: 'deno' | 'bun', code: string, request: CheckRequest, timeoutMs = 90_000): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), `agent-id-${runtime}-`));
  try {
    const file = join(dir, 'checks.mjs');
    await writeFile(file, code);
    const [command, args] =
      runtime === 'deno' ? [denoBinary(), ['run', '--no-prompt', '--no-config', '--no-lock', '--no-npm', '--quiet', file]] : [bunBinary(), ['run', '--no-install', file]];
    const env = { PATH: process.env.PATH ?? '', HOME: dir, DENO_DIR: join(dir, '.deno'), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' };
    const child = spawn(command, args, { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exit = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    child.stdin.end(JSON.stringify(request));
    // A runtime that hangs is killed rather than left behind when the test gives up.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const status = await exit.finally(() => clearTimeout(timer));
    const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
    const output = `${stdout.split('\n').filter((l) => !l.startsWith(RESULT_MARKER)).join('\n')}${stderr}`.trim();
    if (status !== 0 || line === undefined) throw new Error(`${runtime} exited with ${status} and no result:\n${output.slice(0, 4000)}`);
    return { result: JSON.parse(line.slice(RESULT_MARKER.length)) as CheckResult, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
