import { afterAll, expect, it } from 'vitest';
import { type CheckResult, ENTRIES, type WorkerdServer, bundle, startWorkerd } from '../src/index.js';
import { runtimeSuite } from './suite.js';

// workerd from the `workerd` package, once, serving the Worker bundle (Workers' export
// conditions, no Node compatibility flag) on 127.0.0.1; the checks are one POST to it.
let server: WorkerdServer | undefined;
afterAll(() => server?.stop());

runtimeSuite(
  'workerd',
  { runtime: /Cloudflare-Workers/ },
  async (request) => {
    const b = await bundle('workerd', ENTRIES.worker);
    server = await startWorkerd(b.code);
    const response = await fetch(`${server.origin}/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
    if (!response.ok) throw new Error(`workerd answered ${response.status}: ${(await response.text()).slice(0, 2000)}\n${server.output().slice(0, 2000)}`);
    return { result: (await response.json()) as CheckResult, bundle: b };
  },
  () => {
    it('answers nothing but its two routes', async () => {
      const response = await fetch(`${server?.origin}/check`);
      expect(response.status).toBe(404);
      await response.body?.cancel();
    });
  },
);
