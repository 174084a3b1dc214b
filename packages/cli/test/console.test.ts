import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, cli, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
const LOG = '{"created":"2026-11-30T10:00:00.000Z","format":"agent-id-audit-log/1","logId":"files-1"}\n';

beforeAll(async () => {
  tmp = await tempDir();
  await writeFile(tmp.path('audit.jsonl'), LOG);
});

afterAll(async () => {
  await tmp.cleanup();
});

it('console serves the page on loopback with its CSP, and --audit FILE at /audit, until SIGTERM (exit 0)', async () => {
  const child = spawn(process.execPath, [BIN, 'console', '--port', '0', '--audit', tmp.path('audit.jsonl'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const started = new Promise<{ url: string; audit: boolean }>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      try {
        resolve(JSON.parse(stdout));
      } catch {}
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const { url, audit } = await started;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(audit).toBe(true);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('./app.js');
    expect(await (await fetch(new URL('/audit', url))).text()).toBe(LOG);
    expect((await fetch(new URL('/events', url))).status).toBe(404);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

it('console refuses a missing audit file, a bad port and --log-id without a database with usage errors (exit 2)', async () => {
  const missing = await cli(['console', '--audit', tmp.path('nope.jsonl'), '--json']);
  expect(missing.code).toBe(2);
  expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'unreadable_input', check: '--audit' });
  const port = await cli(['console', '--port', '70000', '--json']);
  expect(port.code).toBe(2);
  expect(JSON.parse(port.stdout).error).toMatchObject({ code: 'invalid_option', check: '--port' });
  const logId = await cli(['console', '--log-id', 'files-1', '--json']);
  expect(logId.code).toBe(2);
  expect(JSON.parse(logId.stdout).error).toMatchObject({ code: 'usage', check: '--log-id' });
  const pg = await cli(['console', '--audit', 'postgres://127.0.0.1:1/agentid', '--json']);
  expect(pg.code).toBe(2);
  expect(JSON.parse(pg.stdout).error).toMatchObject({ code: 'missing_option', check: '--log-id' });
});
