/**
 * A Cloudflare Worker (module syntax) for workerd: `POST /check` with a {@link CheckRequest}
 * answers the {@link CheckResult} (it verifies the cards and authorizes the tokens it is
 * given, and attenuates and signs too); `GET /` answers `ok` once the module has loaded.
 */
import { runChecks } from './checks.js';
import type { CheckRequest } from '../src/protocol.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/') return new Response('ok');
    if (request.method !== 'POST' || url.pathname !== '/check') return new Response('not found', { status: 404 });
    const result = await runChecks((await request.json()) as CheckRequest);
    return Response.json(result);
  },
};
