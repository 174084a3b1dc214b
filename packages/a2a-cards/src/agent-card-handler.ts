import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MalformedInputError } from '@agent-id/core';
import { AGENT_CARD_PATH } from './fetch-and-verify.js';
import { optionsObject, prepareCard } from './prepare.js';
import type { AgentCard } from './types.js';

/** Options for {@link agentCardHandler}. */
export interface AgentCardHandlerOptions {
  /** `Cache-Control: max-age` in seconds. Default 300. */
  maxAgeSec?: number;
}

/** A node:http handler; returns true when it answered the request. */
export type AgentCardRequestHandler = ((req: IncomingMessage, res: ServerResponse) => boolean) & {
  /** Replaces the served card (checked like the first). */
  setCard(card: AgentCard): void;
};

function body(card: unknown): { text: string; etag: string } {
  const { raw } = prepareCard(card);
  const text = JSON.stringify(raw);
  return { text, etag: `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"` };
}

/**
 * A node:http request handler serving a (signed) card at `/.well-known/agent-card.json`
 * with `Cache-Control` and an `ETag` (A2A specification section 8.6), answering
 * `If-None-Match` with 304. Other paths and methods are left to the caller (returns false).
 * The card's shape is checked when set (`malformed_input`); its signatures are not.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { agentCardHandler } from '@agent-id/a2a-cards/node';
 * const serveCard = agentCardHandler(signedCard);
 * http.createServer((req, res) => serveCard(req, res) || res.writeHead(404).end()).listen(8080, '127.0.0.1');
 * ```
 */
export function agentCardHandler(card: AgentCard | unknown, options?: AgentCardHandlerOptions): AgentCardRequestHandler {
  const maxAge = optionsObject(options).maxAgeSec ?? 300;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new MalformedInputError('maxAgeSec must be a non-negative integer', { check: 'options' });
  let current = body(card);
  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      return false;
    }
    if (path !== AGENT_CARD_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const { text, etag } = current;
    const headers = { etag, 'cache-control': `public, max-age=${maxAge}` };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
    return true;
  }) as AgentCardRequestHandler;
  handler.setCard = (next: AgentCard) => {
    current = body(next);
  };
  return handler;
}
