import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';

/** Debian's chromium, as the CI machine installs it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface ConsolePage {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Dialogs the page opened (an executed `alert` would land here). */
  dialogs: string[];
  /** Uncaught errors, console errors and CSP violations. */
  errors: string[];
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
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
