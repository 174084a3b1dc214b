// A server for load.js, in its own process: `guarded` (HttpGuard over node:http, a durable
// audit log with group commit, checkpoints signed every 1,000 appends) or `bare` (node:http
// verifying one Ed25519 signature per request). Prints its origin on the first line.
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyPair, PublicKey } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { createDidResolver } from '@agent-id/did';
import { HttpGuard, routeTable } from '../dist/index.js';
import { guardNodeHandler } from '../dist/node.js';

const config = JSON.parse(process.env.LOAD_CONFIG);
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

if (process.argv[2] === 'bare') {
  const key = createPublicKey({ key: config.agentJwk, format: 'jwk' });
  server.on('request', (req, res) => {
    const ok = verify(null, Buffer.from(req.headers['x-msg'], 'base64url'), key, Buffer.from(req.headers['x-sig'], 'base64url'));
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(ok ? '{"ok":true}' : '{"ok":false}');
  });
} else {
  const dir = await mkdtemp(join(tmpdir(), 'agent-id-load-'));
  const path = join(dir, 'audit.jsonl');
  const audit = await AuditLog.open(path, { checkpointKey: KeyPair.generate('Ed25519'), checkpointEvery: 1000 });
  const guard = new HttpGuard({
    resource: origin,
    map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
    resolver: createDidResolver(),
    trustedIssuers: [config.org],
    trustedRoots: [PublicKey.fromMultibase(config.root)],
    audit,
  });
  server.on(
    'request',
    guardNodeHandler(guard, (_req, res, d) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, seq: d.entry.seq }));
    }),
  );
  process.on('SIGTERM', async () => {
    await audit.close();
    // A million records are about 1.7 GB.
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  });
}
console.log(origin);
