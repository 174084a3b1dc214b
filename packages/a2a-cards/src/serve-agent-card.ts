import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MalformedInputError } from '@agent-id/core';
import { type DidDocument, isLoopbackHost } from '@agent-id/did';
import { didDocumentHandler } from '@agent-id/did/node';
import { type AgentCardRequestHandler, agentCardHandler } from './agent-card-handler.js';
import { AGENT_CARD_PATH } from './fetch-and-verify.js';
import { optionsObject } from './prepare.js';
import type { AgentCard } from './types.js';

/** Options for {@link serveAgentCard}. */
export interface ServeAgentCardOptions {
  /** The card to serve; can also be set later with `setCard` (until then: 404). */
  card?: AgentCard;
  /** did:web documents to serve from the same origin (their paths come from their DIDs). */
  didDocuments?: readonly DidDocument[];
  /** Loopback address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port; default 0 (chosen by the system at run time). */
  port?: number;
  /** `Cache-Control: max-age` of the card, seconds. Default 300. */
  maxAgeSec?: number;
}

/** A running card server. */
export interface AgentCardServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** `127.0.0.1:<port>`: the did:web domain of this origin. */
  authority: string;
  /** `origin` + `/.well-known/agent-card.json`. */
  cardUrl: string;
  port: number;
  /** Serves this card from now on. */
  setCard(card: AgentCard): void;
  /** Serves these did:web documents from now on. */
  setDidDocuments(documents: readonly DidDocument[]): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts a small HTTP server on a loopback address (port chosen at run time by default)
 * serving a card at `/.well-known/agent-card.json` and, optionally, did:web documents:
 * for tests, demos and local agents. Production deployments mount
 * {@link agentCardHandler} behind their HTTPS server instead.
 *
 * @example
 * ```ts
 * import { createAgentIdentity } from '@agent-id/did';
 * import { signAgentCard } from '@agent-id/a2a-cards';
 * import { serveAgentCard } from '@agent-id/a2a-cards/node';
 * const server = await serveAgentCard();
 * const org = createAgentIdentity({ method: 'web', domain: server.authority });
 * server.setDidDocuments([org.document]);
 * server.setCard(signAgentCard(cardFor(server.origin), org));
 * // … fetchAndVerify(server.cardUrl, resolver, policy, { allowHttpLoopback: true })
 * await server.close();
 * ```
 */
export async function serveAgentCard(serveOptions?: ServeAgentCardOptions): Promise<AgentCardServer> {
  const options = optionsObject(serveOptions);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !isLoopbackHost(host)) throw new MalformedInputError('serveAgentCard listens on a loopback address only', { check: 'options' });
  const port = options.port ?? 0;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new MalformedInputError('port must be 0..65535', { check: 'options' });
  let cardHandler: AgentCardRequestHandler | undefined = options.card === undefined ? undefined : agentCardHandler(options.card, { maxAgeSec: options.maxAgeSec });
  let didHandler = didDocumentHandler(options.didDocuments ?? []);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (cardHandler?.(req, res) || didHandler(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, ''), () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const authority = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${actual}`;
  const origin = `http://${authority}`;
  return {
    origin,
    authority,
    cardUrl: `${origin}${AGENT_CARD_PATH}`,
    port: actual,
    setCard(card) {
      if (cardHandler) cardHandler.setCard(card);
      else cardHandler = agentCardHandler(card, { maxAgeSec: options.maxAgeSec });
    },
    setDidDocuments(documents) {
      didHandler = didDocumentHandler(documents);
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
