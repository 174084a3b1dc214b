import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseDidWeb } from './did-web.js';
import type { DidDocument } from './document.js';

/**
 * A Node HTTP request handler that serves did:web documents at their paths
 * (`/.well-known/did.json`, `/a/b/did.json`). Returns true when it answered the request.
 *
 * @example
 * ```ts
 * const serveDid = didDocumentHandler([org.document]);
 * http.createServer((req, res) => serveDid(req, res) || res.writeHead(404).end());
 * ```
 */
export function didDocumentHandler(documents: readonly DidDocument[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const byPath = new Map(documents.map((d) => [parseDidWeb(d.id).documentPath, JSON.stringify(d)]));
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = byPath.get(path);
    if (body === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    res.writeHead(200, { 'content-type': 'application/did+json', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
