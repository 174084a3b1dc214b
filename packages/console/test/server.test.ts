import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { CONSOLE_CSP, type LiveEvent } from '@agent-id/console';
import { type ConsoleServer, serveConsole } from '@agent-id/console/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hostsServedAt } from '../src/serve-console.js';
import { eventSource } from './fixtures.js';

let bare: ConsoleServer;
let full: ConsoleServer;
const events = eventSource();

beforeAll(async () => {
  [bare, full] = await Promise.all([serveConsole(), serveConsole({ events, audit: { read: async function* () {
    yield '{"a":1}\n';
    yield new TextEncoder().encode('{"b":2}\n');
  } } })]);
});
afterAll(async () => {
  await bare?.close();
  await full?.close();
});

/** A raw request (no URL normalisation), so paths like `/../x` reach the server as written. */
function raw(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('listens on loopback at a port chosen at run time and serves the page with the CSP and hardening headers', async () => {
  expect(bare.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await raw(bare.url, 'GET', '/');
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
  expect(CONSOLE_CSP).toContain("script-src 'self'");
  expect(CONSOLE_CSP).not.toContain('unsafe');
  expect(page.headers['x-content-type-options']).toBe('nosniff');
  expect(page.headers['referrer-policy']).toBe('no-referrer');
  // Relative asset URLs (any static host can serve dist/page) and no inline script or style.
  expect(page.body).toContain('src="./app.js"');
  expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)/);
  expect(page.body).not.toMatch(/<style|style=/);
  const js = await raw(bare.url, 'GET', '/app.js');
  expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  const head = await raw(bare.url, 'HEAD', '/app.css');
  expect(head.status).toBe(200);
  expect(head.body).toBe('');
});

it('serves only its fixed file table: traversal, encoded traversal and unknown paths are 404; other methods 405', async () => {
  for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/page/../node.js', '/node.js', '/index.html/..', '//etc/passwd', '/app.js.map', '/APP.JS', '/constructor', '/__proto__']) {
    expect((await raw(bare.url, 'GET', path)).status, path).toBe(404);
  }
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await raw(bare.url, method, '/');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  }
});

it('answers only Host headers naming loopback at its port (no DNS rebinding)', async () => {
  const port = new URL(bare.url).port;
  expect((await raw(bare.url, 'GET', '/', { host: `localhost:${port}` })).status).toBe(200);
  expect((await raw(bare.url, 'GET', '/', { host: `attacker.example:${port}` })).status).toBe(421);
  expect((await raw(full.url, 'GET', '/audit', { host: 'attacker.example' })).status).toBe(421);
});

it('checks Host whatever the bind address: loopback, the bind address, every interface for a wildcard, and the names given', async () => {
  expect(hostsServedAt('127.0.0.1', 8080)).toEqual(['127.0.0.1:8080', 'localhost:8080', '[::1]:8080']);
  expect(hostsServedAt('::1', 8080)).toEqual(['127.0.0.1:8080', 'localhost:8080', '[::1]:8080']);
  expect(hostsServedAt('192.0.2.7', 8080)).toContain('192.0.2.7:8080');
  const wildcard = hostsServedAt('0.0.0.0', 8080);
  expect(wildcard).toContain('127.0.0.1:8080');
  for (const address of Object.values(networkInterfaces()).flat()) {
    if (address) expect(wildcard).toContain(`${address.family === 'IPv6' ? `[${address.address}]` : address.address}:8080`);
  }
  expect(wildcard.some((h) => h.startsWith('attacker.'))).toBe(false);
  const named = await serveConsole({ allowedHosts: ['console.example:443'] });
  try {
    expect((await raw(named.url, 'GET', '/', { host: 'console.example:443' })).status).toBe(200);
    expect((await raw(named.url, 'GET', '/', { host: 'attacker.example:443' })).status).toBe(421);
  } finally {
    await named.close();
  }
});

it('has no /events or /audit without a source (404)', async () => {
  expect((await raw(bare.url, 'GET', '/events')).status).toBe(404);
  expect((await raw(bare.url, 'GET', '/audit')).status).toBe(404);
});

it('serves /audit from its source as JSON Lines', async () => {
  const r = await raw(full.url, 'GET', '/audit');
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('application/jsonl; charset=utf-8');
  expect(r.body).toBe('{"a":1}\n{"b":2}\n');
});

it('streams /events: the history first, then live events, one JSON per data line', async () => {
  events.emit({ type: 'note', seq: 1, text: 'line one\nline two\u2028' });
  const u = new URL(full.url);
  const received: LiveEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: '/events' }, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      let buffer = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        buffer += d;
        for (let i = buffer.indexOf('\n\n'); i !== -1; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const lines = block.split('\n').filter((l) => l.startsWith('data: '));
          expect(lines.length).toBeLessThanOrEqual(1);
          if (lines[0]) received.push(JSON.parse(lines[0].slice(6)) as LiveEvent);
          if (received.length === 1) events.emit({ type: 'revoke', seq: 2, from: 'acme', to: 'acme/a', text: 'revoked' });
          if (received.length === 2) {
            req.destroy();
            resolve();
          }
        }
      });
    });
    req.on('error', (e) => (received.length === 2 ? undefined : reject(e)));
    req.end();
  });
  expect(received).toEqual([
    { type: 'note', seq: 1, text: 'line one\nline two\u2028' },
    { type: 'revoke', seq: 2, from: 'acme', to: 'acme/a', text: 'revoked' },
  ]);
});

it('refuses a port out of range with a TypeError', async () => {
  await expect(serveConsole({ port: 70_000 })).rejects.toThrow(TypeError);
});
