import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { workerdBinary } from './binaries.js';

export interface WorkerdServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** What workerd printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

// Without `nodejs_compat`: the Worker gets only what a Worker has (WebCrypto, fetch), so any
// `node:` import left in the libraries' portable build fails to load. Its outbound network
// allows no address: the checks must run offline (a fetch fails).
const config = (port: number) => `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .checks), (name = "offline", network = (allow = [])) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const checks :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2026-11-01",
  globalOutbound = "offline",
);
`;

/**
 * Starts workerd serving the Worker `code` (a module Worker bundle) on 127.0.0.1, on a port
 * chosen at run time, and resolves once it answers `GET /` (or rejects with what workerd
 * printed, when it exits first: a Worker that fails to load, say).
 */
export async function startWorkerd(code: string): Promise<WorkerdServer> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-id-workerd-'));
  await writeFile(join(dir, 'worker.js'), code);
  let output = '';
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // The port is free when chosen; another process may take it before workerd binds it: try again then.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      await writeFile(join(dir, 'config.capnp'), config(port));
      output = '';
      const proc = spawn(workerdBinary(), ['serve', join(dir, 'config.capnp'), '--verbose'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      proc.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
      proc.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
      let exited = false;
      proc.once('exit', () => (exited = true));
      const origin = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 600 && !exited; i++) {
        try {
          const response = await fetch(`${origin}/`);
          if (response.ok && (await response.text()) === 'ok') return { origin, output: () => output, stop };
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      if (!exited || !/address already in use/i.test(output)) break;
    }
    throw new Error(`workerd did not serve the Worker:\n${output.slice(0, 4000)}`);
  } catch (e) {
    await stop();
    throw e;
  }
}
