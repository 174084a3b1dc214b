/**
 * A real, throw-away PostgreSQL server for tests (`@agent-id/test-support/postgres`):
 * `initdb` in a temporary directory, a port chosen at run time, loopback only, trust
 * authentication for the user `agentid`. As root the server's binaries run as the
 * `postgres` user (they refuse root). Loads nothing but Node.
 *
 * @module postgres
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function binDir(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir;
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`)) return `/usr/lib/postgresql/${v}/bin`;
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package, or set AGENT_ID_TEST_DATABASE_URL');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The pids of a process and all its descendants (from /proc). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const all: number[] = [];
  const walk = (pid: number) => {
    all.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return all;
}

export interface PgServer {
  /** postgres://agentid@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** The postmaster's pid. */
  pid(): number;
  /** SIGSTOP the whole server (postmaster and every backend): it neither answers nor drops a connection. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Starts a throw-away server; `destroy()` stops it and removes its files. */
export async function startPgServer(): Promise<PgServer> {
  const bin = binDir();
  const dir = await mkdtemp(join(tmpdir(), 'agent-id-pg-'));
  const root = process.getuid?.() === 0;
  if (root) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
  const as = (cmd: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  const data = join(dir, 'data');
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'agentid', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const options = `-k ${dir} -c listen_addresses=127.0.0.1 -p ${port} -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  };
  await start();
  const pid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let paused: number[] = [];
  const resume = () => {
    for (const p of [...paused].reverse()) {
      try {
        process.kill(p, 'SIGCONT');
      } catch {
        // gone
      }
    }
    paused = [];
  };
  return {
    url: `postgres://agentid@127.0.0.1:${port}/postgres`,
    port,
    pid,
    pause() {
      paused = processTree(pid());
      for (const p of paused) process.kill(p, 'SIGSTOP');
    },
    resume,
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    start,
    async destroy() {
      if (paused.length > 0) resume();
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
