import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@agent-id/test-support/chromium';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `pnpm demo --serve` end to end: the demo process serves the console, a real headless Chromium
// opens its live view while the scenario runs, and the tree it draws is asserted from the DOM.
const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');

let demo: ChildProcess;
let browser: Browser;
let consoleUrl: string;
const output: string[] = [];

beforeAll(async () => {
  demo = spawn(process.execPath, [main, '--serve', '--quiet', '--out', await mkdtemp(join(tmpdir(), 'demo-console-'))], { stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  consoleUrl = await new Promise<string>((resolve, reject) => {
    let seen = '';
    demo.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      output.push(chunk.toString());
      const found = /^console \(live view of this run\): (http:\/\/127\.0\.0\.1:\d+\/)#live$/m.exec(seen);
      if (found) resolve(found[1]!);
    });
    demo.once('exit', (code) => reject(new Error(`the demo exited (${code}) before serving the console: ${output.join('')}`)));
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) demo.kill('SIGTERM');
});

describe('pnpm demo --serve: the console beside the demo', () => {
  it('the live view grows the delegation tree as the scenario runs: the revoked branch cut, the Globex branch live', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${consoleUrl}#live`);
    await page.waitForSelector('[data-testid="live-status"][data-state="open"]');
    const node = (name: string) => page.locator(`[data-testid="live-node"][data-name="${name}"]`).first();
    // Act 5 revokes the orchestrator → researcher hop; act 7 hands a fresh one and then
    // decommissions the researcher: the branch ends cut either way.
    await page.waitForSelector('[data-testid="live-node"][data-name="acme/researcher"][data-state="revoked"]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid="live-log"] li[data-type="section"]:has-text("8.")', { timeout: 120_000 });
    expect(await node('acme/researcher').getAttribute('data-state')).toBe('revoked');
    for (const name of ['acme/orchestrator', 'globex/analyst', 'globex/quoter']) expect(await node(name).getAttribute('data-state'), name).toBe('live');
    // Each agent shows its last decision: the decommissioned researcher refused (revoked), the quoter still allowed after the revocation.
    const decision = (name: string) => node(name).locator(':scope > .node [data-testid="live-decision"]');
    expect(await decision('acme/researcher').getAttribute('data-decision')).toBe('deny');
    expect(await decision('acme/researcher').textContent()).toContain('revoked');
    expect(await decision('globex/quoter').getAttribute('data-decision')).toBe('allow');
    // Delegations refused before any token left (the forged cards of act 3, the widening of act 2) are marked too.
    expect(await page.locator('[data-testid="live-refusal"]').count()).toBeGreaterThan(0);
    expect(dialogs).toEqual([]);
  }, 180_000);

  it("serves Acme's audit log at /audit once the scenario has written it, and stops cleanly on SIGTERM", async () => {
    await expect.poll(() => /^OK: all \d+ steps as expected/m.test(output.join('')), { timeout: 120_000 }).toBe(true);
    const response = await fetch(new URL('audit', consoleUrl));
    expect(response.status).toBe(200);
    const lines = (await response.text()).trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.slice(1).every((l) => (JSON.parse(l) as { record?: { decision?: string } }).record?.decision !== undefined)).toBe(true);
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);
});
