import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI: tests run the real binary as a process. Build first (`npx tsc -p tsconfig.build.json`). */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the CLI first (npx tsc -p tsconfig.build.json)`);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to standard input, then closed. */
  input?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** Runs a command and collects its exit code and output (standard input: `input`, then closed). */
export function run(command: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `node dist/bin.js ...args` and collects its exit code and output. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return run(process.execPath, [BIN, ...args], options);
}

/** Serves the bodies in `hosted` (by URL path) on 127.0.0.1 at a port chosen at run time. */
export async function serveHosted(hosted: ReadonlyMap<string, string>, contentType: string): Promise<{ host: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const body = hosted.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': contentType }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs the CLI and parses its `--json` standard output. */
export async function cliJson<T = Record<string, unknown>>(args: readonly string[], options: CliOptions = {}): Promise<CliResult & { json: T }> {
  const result = await cli([...args, '--json'], options);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return { ...result, json };
}

/** A temporary directory, removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; path: (name: string) => string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-id-cli-'));
  return { dir, path: (name) => join(dir, name), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Asserts no stack trace leaked into output. */
export function noStack(result: CliResult): boolean {
  return !/\n\s+at .+:\d+:\d+/.test(result.stderr + result.stdout);
}

/** Quotes one argument for a POSIX shell. */
export function sh(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The shell command line that runs the built CLI with these arguments. */
export function agentId(args: readonly string[]): string {
  return [process.execPath, BIN, ...args].map(sh).join(' ');
}

/** Runs a shell pipeline (bash, pipefail) and collects its exit code and output. */
export function pipeline(stages: readonly (readonly string[])[], options: CliOptions & { extra?: string } = {}): Promise<CliResult> {
  const line = stages.map((s) => (s[0] === '@raw' ? s.slice(1).join(' ') : agentId(s))).join(' | ');
  return run('bash', ['-o', 'pipefail', '-c', line], options);
}

/**
 * Runs a long-lived `agent-id …args --port 0 --json` (a server), hands `use` the JSON line it
 * prints once listening, then sends SIGTERM; returns the exit code.
 */
export async function serving<T>(args: readonly string[], use: (started: T) => Promise<void>): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, ...args, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const started = new Promise<T>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {}
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await use(await started);
  } finally {
    child.kill('SIGTERM');
  }
  return exited;
}
