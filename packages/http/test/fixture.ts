import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, KeyPair, type Scope } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { type AgentIdentity, createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { type CapabilityToken, MemoryRevocationStore, attenuate, mintCapability } from '@agent-id/tokens';
import { HttpGuard, type HttpGuardOptions, routeTable } from '../src/index.js';
import { guardNodeHandler } from '../src/node.js';

export const USER = 'did:web:acme.example:users:alice';

/** Two organisations' worth of parties: Acme mints and vouches; agents 0..3. */
export async function parties() {
  const org = createAgentIdentity();
  const rootKey = KeyPair.generate('Ed25519');
  const agents = [0, 1, 2, 3].map(() => createAgentIdentity());
  const strangerOrg = createAgentIdentity();
  const credentials = await Promise.all(agents.map((a) => issueOwnershipCredential(org, { agent: a.did, onBehalfOf: USER })));
  return { org, rootKey, agents, strangerOrg, credentials };
}

export type Parties = Awaited<ReturnType<typeof parties>>;

export interface GuardedServer {
  origin: string;
  server: Server;
  guard: HttpGuard;
  log: AuditLog;
  revocations: MemoryRevocationStore;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 (port chosen at run time) guarded by an HttpGuard whose resource is the server's own origin. */
export async function guardedServer(p: Parties, extra: Partial<HttpGuardOptions> = {}): Promise<GuardedServer> {
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const log = await AuditLog.open(join(await mkdtemp(join(tmpdir(), 'agent-id-http-')), 'audit.jsonl'));
  const revocations = new MemoryRevocationStore();
  const guard = new HttpGuard({
    resource: origin,
    map: routeTable('api', [
      { method: 'GET', path: '/orders/*', action: 'read' },
      { method: 'POST', path: '/orders/*', action: 'write' },
    ]),
    resolver: createDidResolver(),
    trustedIssuers: [p.org.did],
    trustedRoots: [p.rootKey.publicKey],
    revocations,
    audit: log,
    ...extra,
  });
  handler = guardNodeHandler(guard, (_req, res, d) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, agent: d.agent, onBehalfOf: d.onBehalfOf, resource: d.resource, action: d.action }));
  });
  return {
    origin,
    server,
    guard,
    log,
    revocations,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await log.close();
    },
  };
}

/** A root token minted by Acme for agent 0, and one hop to each later agent in turn. */
export async function chain(p: Parties, audience: string, hops: number, scope: Partial<Scope> = {}, clock?: Clock): Promise<CapabilityToken> {
  let token = await mintCapability(
    {
      onBehalfOf: USER,
      holder: p.agents[0]!.did,
      task: 'task-1',
      resources: ['api:/orders/*'],
      actions: ['read', 'write'],
      audience: [audience],
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      maxDepth: 5,
      ...scope,
    },
    { format: 'biscuit', rootKey: p.rootKey, issuer: p.org.did, ...(clock ? { clock } : {}) },
  );
  for (let i = 1; i <= hops; i++) {
    token = await attenuate(token, { to: p.agents[i]!.did, signer: p.agents[i - 1]!.keyPair, trustedRoots: p.rootKey.publicKey, ...(clock ? { clock } : {}) });
  }
  return token;
}

export function signerOf(agent: AgentIdentity) {
  return { keyId: agent.keyId, keyPair: agent.keyPair };
}
