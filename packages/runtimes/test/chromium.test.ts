import { afterAll, expect, it } from 'vitest';
import { type ChromiumPage, ENTRIES, bundle, openChromiumPage } from '../src/index.js';
import type { CheckRequest, CheckResult } from '../src/index.js';
import { runtimeSuite } from './suite.js';

// Debian's chromium, headless, driven by playwright-core, once: a page served from
// 127.0.0.1 loads the browser bundle, and the checks run in it (offline: the page fetches
// nothing but itself and its bundle).
let page: ChromiumPage | undefined;
afterAll(() => page?.close());

runtimeSuite(
  'Chromium',
  { runtime: /Chrome\/\d+/ },
  async (request) => {
    const b = await bundle('browser', ENTRIES.page);
    page = await openChromiumPage(b.code);
    // As JSON text both ways: what a page can be handed and hand back.
    const text = await page.page.evaluate(
      async (r: string) => JSON.stringify(await (globalThis as unknown as { agentIdRuntime: { runChecks(r: CheckRequest): Promise<CheckResult> } }).agentIdRuntime.runChecks(JSON.parse(r))),
      JSON.stringify(request),
    );
    const result = JSON.parse(text) as CheckResult;
    return { result, bundle: b };
  },
  () => {
    it('ran offline: the page requested nothing but itself and its bundle, and logged no error', () => {
      expect(page?.requests).toEqual([`${page?.origin}/`, `${page?.origin}/page.js`]);
      expect(page?.errors).toEqual([]);
    });
  },
);
