import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '@agent-id/test-support/chromium';
import type { Browser, Page } from 'playwright-core';

export interface ChromiumPage {
  page: Page;
  /** The page's origin, `http://127.0.0.1:PORT`. */
  origin: string;
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
  close(): Promise<void>;
}

const HTML = '<!doctype html><meta charset="utf-8"><title>agent-id runtimes</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>';

/**
 * Serves a page loading the browser bundle `code` from 127.0.0.1 (a port chosen at run
 * time), opens it in headless Chromium driven by playwright-core, and resolves once the
 * bundle has put `agentIdRuntime` on the page's global object (or rejects with the page's
 * errors).
 */
export async function openChromiumPage(code: string): Promise<ChromiumPage> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML);
    else if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${origin}/`);
    const loaded = await page
      .waitForFunction(() => (globalThis as { agentIdRuntime?: unknown }).agentIdRuntime !== undefined, undefined, { timeout: 30_000 })
      .then(() => true)
      .catch(() => false);
    if (!loaded || errors.length > 0) throw new Error(`the page bundle did not load:\n${errors.join('\n').slice(0, 4000)}`);
    return { page, origin, requests, errors, close };
  } catch (e) {
    await close();
    throw e;
  }
}
