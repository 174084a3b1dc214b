import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONSOLE_CSP } from './csp.js';
import type { LiveEvent } from './live-event.js';

/** Where the live view's events come from: the demo, or any program narrating its delegations. */
export interface LiveEventSource {
  /** Calls `listener` for every new event until the returned function is called. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
  /** Events so far, replayed to every new connection before the live ones. */
  history?(): readonly LiveEvent[];
}

/** Where `/audit` reads the audit log (JSON Lines, as `@agent-id/core/node` `AuditLog` writes it). */
export interface AuditSource {
  read(): Promise<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
}

/** Options of {@link consoleHandler}. */
export interface ConsoleHandlerOptions {
  /** Serves `/events` (server-sent events); without it `/events` is 404. */
  events?: LiveEventSource;
  /** Serves `/audit`; without it `/audit` is 404. */
  audit?: AuditSource;
  /**
   * `Host` header values (`host:port`) accepted; any other gets 421. Guards a loopback
   * server against DNS rebinding (a web page whose name resolves to 127.0.0.1 reading
   * `/audit`). Default: every host.
   */
  allowedHosts?: readonly string[];
}

const TYPES: Readonly<Record<string, string>> = Object.freeze({
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
});

const HEADERS = Object.freeze({
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
});

interface PageFile {
  body: Buffer;
  type: string;
}

let files: Promise<Map<string, PageFile>> | undefined;

/**
 * The static page as a fixed table from URL path to file, built from the files embedded in
 * the package at build time (loaded on first use): no request path ever reaches the file system.
 */
export function pageFiles(): Promise<Map<string, PageFile>> {
  files ??= import('./page-assets.js').then(({ PAGE_FILES }) => {
    const table = new Map<string, PageFile>();
    for (const [name, text] of Object.entries(PAGE_FILES)) {
      const type = TYPES[name.slice(name.lastIndexOf('.') + 1)];
      if (type !== undefined) table.set(`/${name}`, { body: Buffer.from(text, 'utf8'), type });
    }
    const index = table.get('/index.html');
    if (index !== undefined) table.set('/', index);
    return table;
  });
  return files;
}

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra }).end(`${text}\n`);
}

async function auditBody(source: AuditSource): Promise<Uint8Array[]> {
  const read = source.read();
  const chunks: Uint8Array[] = [];
  const add = (c: string | Uint8Array) => chunks.push(typeof c === 'string' ? new TextEncoder().encode(c) : c);
  if (typeof (read as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const c of read as AsyncIterable<string | Uint8Array>) add(c);
  } else add(await (read as Promise<string | Uint8Array>));
  return chunks;
}

/** Bytes of events waiting for one slow `/events` client before it is disconnected. */
const MAX_BUFFERED = 1024 * 1024;

function streamEvents(req: IncomingMessage, res: ServerResponse, source: LiveEventSource): void {
  res.writeHead(200, { ...HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // JSON.stringify escapes line breaks inside strings, so every event is exactly one `data:` line.
  const send = (event: LiveEvent) => {
    // A client that stopped reading is dropped rather than buffered without bound.
    if (res.writableLength > MAX_BUFFERED) res.destroy();
    else res.write(`data: ${JSON.stringify(event)}\n\n`);
  };
  res.write('retry: 2000\n\n');
  for (const event of source.history?.() ?? []) send(event);
  const unsubscribe = source.subscribe(send);
  res.on('close', unsubscribe);
}

/**
 * The console's request handler for `node:http` (or anything with its request/response
 * objects): the static page with a strict Content-Security-Policy, `/events` and `/audit`.
 * GET and HEAD only. Embed it in another server, or use {@link serveConsole}.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { consoleHandler } from '@agent-id/console/node';
 * createServer(consoleHandler({ audit: { read: () => readFile('audit.jsonl') } })).listen(8080, '127.0.0.1');
 * ```
 */
export function consoleHandler(options: ConsoleHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const allowed = options.allowedHosts === undefined ? undefined : new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  return (req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (allowed !== undefined && !allowed.has((req.headers.host ?? '').toLowerCase())) return plain(res, 421, 'misdirected request');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    const url = req.url ?? '';
    const path = url.split('?', 1)[0]!;
    if (path === '/events') {
      if (!options.events) return plain(res, 404, 'no event source');
      return streamEvents(req, res, options.events);
    }
    if (path === '/audit') {
      if (!options.audit) return plain(res, 404, 'no audit source');
      const chunks = await auditBody(options.audit);
      const length = chunks.reduce((n, c) => n + c.byteLength, 0);
      res.writeHead(200, { ...HEADERS, 'content-type': 'application/jsonl; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(length) });
      if (req.method === 'HEAD') return void res.end();
      for (const c of chunks) res.write(c);
      return void res.end();
    }
    const file = (await pageFiles()).get(path);
    if (file === undefined) return plain(res, 404, 'not found');
    res.writeHead(200, { ...HEADERS, 'content-type': file.type, 'cache-control': 'no-cache', 'content-length': String(file.body.byteLength) });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }
}
