import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { type ConsoleHandlerOptions, consoleHandler, pageFiles } from './console-handler.js';

/** Options of {@link serveConsole}. */
export interface ServeConsoleOptions extends ConsoleHandlerOptions {
  /** Address to listen on. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
}

/** A running console server. */
export interface ConsoleServer {
  /** Where the page is, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** Stops listening and ends open connections (event streams included). */
  close(): Promise<void>;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * Serves the console page on loopback (by default), with `/events` from `events` and
 * `/audit` from `audit` when given. Only `Host` headers naming this port at loopback, the
 * bind address (every local interface's address for `0.0.0.0` or `::`) or one of
 * `allowedHosts` are answered (421 otherwise: no DNS rebinding).
 *
 * @example
 * ```ts
 * import { serveConsole } from '@agent-id/console/node';
 * const { url, close } = await serveConsole({ port: 0 });
 * console.log(url);
 * await close();
 * ```
 */
export async function serveConsole(options: ServeConsoleOptions = {}): Promise<ConsoleServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new TypeError('port must be an integer from 0 to 65535');
  // Loaded before listening, so a missing build fails here rather than on the first request.
  await pageFiles();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const allowedHosts = [...hostsServedAt(host, actual), ...(options.allowedHosts ?? [])];
  server.on('request', consoleHandler({ ...options, allowedHosts }));
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * @internal The `Host` values a server bound to `host` at `port` answers: loopback, the bind
 * address, and for a wildcard bind every local interface's address. There is always a Host
 * check: a server that listens on every interface listens on loopback too, where a page
 * rebound to 127.0.0.1 could otherwise read `/audit` and `/events`.
 */
export function hostsServedAt(host: string, port: number): string[] {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (WILDCARD.has(host)) {
    for (const address of Object.values(networkInterfaces()).flat()) {
      if (address) names.add(address.family === 'IPv6' ? `[${address.address}]` : address.address);
    }
  } else {
    names.add(host.includes(':') ? `[${host}]` : host);
  }
  return [...names].map((h) => `${h}:${port}`);
}
