import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentCard, attachOwnershipCredential, signAgentCard } from '@agent-id/a2a-cards';
import type { LiveEvent } from '@agent-id/console';
import type { LiveEventSource } from '@agent-id/console/node';
import { KeyPair, auditRecord, fixedClock } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { StatusList, createAgentIdentity } from '@agent-id/did';
import { statusListHandler } from '@agent-id/did/node';
import { attenuate, authorize, mintCapability } from '@agent-id/tokens';

/** A live-event source the test drives. */
export function eventSource(): LiveEventSource & { emit(event: LiveEvent): void } {
  const listeners = new Set<(e: LiveEvent) => void>();
  const past: LiveEvent[] = [];
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    history: () => [...past],
    emit(event) {
      past.push(event);
      for (const l of listeners) l(event);
    },
  };
}

export interface AuditFixture {
  dir: string;
  log: string;
  checkpoints: string;
  checkpointKey: KeyPair;
  tampered: string;
}

/** A real audit log (core/node AuditLog, checkpointed) of six decisions by two agents for two users, and a copy with one record edited. */
export async function auditFixture(): Promise<AuditFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'console-audit-'));
  const log = join(dir, 'audit.jsonl');
  const checkpointKey = KeyPair.generate();
  const orgKey = KeyPair.generate();
  const [a0, a1] = [createAgentIdentity(), createAgentIdentity()];
  const now = Math.floor(Date.now() / 1000);
  let t = await mintCapability(
    { resources: ['files:/reports/*'], actions: ['read'], audience: ['did:web:files.example'], expiresAt: now + 3600, maxDepth: 2, holder: a0.did, onBehalfOf: 'did:web:acme.example:users:alice', task: 'q3' },
    { format: 'biscuit', rootKey: orgKey, issuer: 'did:web:acme.example' },
  );
  t = await attenuate(t, { to: a1.did, signer: a0.keyPair, trustedRoots: orgKey.publicKey });
  const allowed = await authorize(t, { request: { resource: 'files:/reports/a.pdf', action: 'read', audience: 'did:web:files.example', task: 'q3' }, presenter: a1.did, trustedRoots: orgKey.publicKey });
  const audit = await AuditLog.open(log, { checkpointKey, checkpointEvery: 2 });
  const base = Date.parse('2026-11-30T10:00:00Z');
  const rows: [string, string, string, 'allow' | 'deny'][] = [
    [a1.did, 'did:web:acme.example:users:alice', 'q3', 'allow'],
    [a1.did, 'did:web:acme.example:users:alice', 'q3', 'deny'],
    [a0.did, 'did:web:acme.example:users:bob', 'q4', 'allow'],
    [a1.did, 'did:web:acme.example:users:bob', 'q4', 'deny'],
    [a0.did, 'did:web:acme.example:users:alice', 'q3', 'allow'],
    [a1.did, 'did:web:acme.example:users:alice', 'q3\u0000<img src=x onerror=alert(3)>', 'deny'],
  ];
  for (const [i, [agent, onBehalfOf, task, decision]] of rows.entries()) {
    await audit.append(
      auditRecord(
        {
          agent,
          onBehalfOf,
          task,
          action: 'read',
          resource: `files:/reports/${i}.pdf`,
          decision,
          reason: decision === 'allow' ? 'all checks passed' : 'denied: action',
          ...(decision === 'deny' ? { code: 'denied' as const } : {}),
          chain: allowed.chain,
        },
        fixedClock(base + i * 60_000),
      ),
    );
  }
  await audit.close();
  const text = await readFile(log, 'utf8');
  const tampered = join(dir, 'tampered.jsonl');
  await writeFile(tampered, text.replace('files:/reports/2.pdf', 'files:/reports/9.pdf'));
  return { dir, log, checkpoints: `${log}.checkpoints`, checkpointKey, tampered };
}

/** A minimal A2A v1.0 card for `origin`. */
export function card(origin: string): AgentCard {
  return {
    name: 'Planner',
    description: 'Plans quarterly reports.',
    version: '1.0.0',
    supportedInterfaces: [{ url: `${origin}/a2a/v1`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'plan-report', name: 'Plan a report', description: 'Outlines a report from a brief.', tags: ['planning'] }],
  };
}

/** Serves `body` at /.well-known/agent-card.json on 127.0.0.1, readable cross-origin (as a public card is). */
export async function cardHost(): Promise<{ origin: string; authority: string; set(body: string): void; close(): Promise<void> }> {
  let body = '{}';
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/agent-card.json') res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const authority = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin: `http://${authority}`,
    authority,
    set: (b) => {
      body = b;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export { attachOwnershipCredential, signAgentCard };

/** Status lists (revocation, suspension) of `issuer`, served on 127.0.0.1 readable cross-origin (a browser fetches them). */
export async function statusLists(issuer: Parameters<typeof StatusList.open>[0]['issuer']): Promise<{ lists: StatusList[]; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const lists = [
    await StatusList.open({ issuer, url: `${origin}/status/revocation`, statusPurpose: 'revocation' }),
    await StatusList.open({ issuer, url: `${origin}/status/suspension`, statusPurpose: 'suspension' }),
  ];
  const serve = statusListHandler(lists);
  server.on('request', (req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    if (!serve(req, res)) res.writeHead(404).end();
  });
  return {
    lists,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
