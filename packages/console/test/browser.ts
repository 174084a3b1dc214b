import { launchChromium } from '@agent-id/test-support/chromium';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface ConsolePage {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Dialogs the page opened (an executed `alert` would land here). */
  dialogs: string[];
  /** Uncaught errors, console errors and CSP violations. */
  errors: string[];
}

export function launch(): Promise<Browser> {
  return launchChromium();
}

/** Opens the console at `url` in a fresh context and waits until the app has rendered. */
export async function openConsole(browser: Browser, url: string, options: { bypassCSP?: boolean } = {}): Promise<ConsolePage & { context: BrowserContext }> {
  const context = await browser.newContext({ bypassCSP: options.bypassCSP ?? false, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForSelector('#app[data-ready="true"]');
  return { context, page, requests, dialogs, errors };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core on the page as it is and returns its serious and critical violations.
 * axe's source is evaluated through the DevTools protocol (playwright's `evaluate`), which
 * the page's Content-Security-Policy does not govern: the page under test keeps its CSP.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const { createRequire } = await import('node:module');
  const source = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}
