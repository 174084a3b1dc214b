import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusList } from './status-list.js';

/**
 * A Node HTTP request handler that serves status list credentials at their URLs' paths, as
 * `application/vc+jwt`, signed anew when the list changed (also by another process sharing
 * the store) or half of its validity has passed. Returns true when it answered the request,
 * like didDocumentHandler, so the two chain on the organisation's did:web host.
 *
 * @example
 * ```ts
 * const serveStatus = statusListHandler([revocations, suspensions]);
 * http.createServer((req, res) => serveStatus(req, res) || serveDid(req, res) || res.writeHead(404).end());
 * ```
 */
export function statusListHandler(lists: readonly StatusList[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  if (!Array.isArray(lists) || lists.some((l) => typeof l?.credential !== 'function')) throw new TypeError('lists must be StatusList objects');
  const byPath = new Map<string, StatusList>(lists.map((l: StatusList) => [new URL(l.url).pathname, l]));
  return (req, res) => {
    const list = byPath.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (list === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    list.credential().then(
      (jwt: string) => {
        res.writeHead(200, { 'content-type': 'application/vc+jwt', 'content-length': Buffer.byteLength(jwt), 'cache-control': 'no-cache' });
        res.end(req.method === 'HEAD' ? undefined : jwt);
      },
      () => {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('status list unavailable\n');
      },
    );
    return true;
  };
}
