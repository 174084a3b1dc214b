import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KeyPair, base64urlEncode } from '@agent-id/core';
import { utf8ToBytes } from '@agent-id/core/internal';
import type { DidDocument } from '../src/index.js';
import { didDocumentHandler } from '../src/node.js';

/** A real HTTP server on 127.0.0.1 at a port chosen at run time. */
export interface TestServer {
  server: Server;
  /** `127.0.0.1:<port>` */
  host: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startServer(handler: Parameters<typeof createServer>[1] = (_req, res) => res.writeHead(404).end()): Promise<TestServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    handler?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    host: `127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves whatever documents are in the (mutable) list. */
export async function startDidServer(documents: DidDocument[]): Promise<TestServer> {
  return startServer((req, res) => {
    if (!didDocumentHandler(documents)(req, res)) res.writeHead(404).end();
  });
}

export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, keyPair: KeyPair): string {
  const input = `${base64urlEncode(JSON.stringify(header))}.${base64urlEncode(JSON.stringify(payload))}`;
  return `${input}.${base64urlEncode(keyPair.sign(utf8ToBytes(input)))}`;
}
