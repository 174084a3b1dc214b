import { type RequestListener, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on a loopback port chosen by the OS. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `127.0.0.1:<port>`: the did:web domain of everything it serves. */
  host: string;
  port: number;
  server: Server;
  /** Stops accepting, drops keep-alive connections, resolves once closed. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 with a port chosen at run time (`listen(0)`).
 *
 * @example
 * ```ts
 * const app = express();
 * const srv = await listenLoopback(app);
 * console.log(srv.origin); // http://127.0.0.1:41237
 * await srv.close();
 * ```
 */
export async function listenLoopback(handler: RequestListener): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    server,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
