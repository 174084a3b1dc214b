import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCard as SdkAgentCard } from '@a2a-js/sdk';
import { type AgentExecutor, AgentEvent, DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import type { AgentCard } from '@agent-id/a2a-cards';
import { KeyPair, type Scope } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { type AgentIdentity, createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { type CapabilityToken, MemoryRevocationStore, attenuate, mintCapability } from '@agent-id/tokens';
import express from 'express';
import { A2AGuard, type A2AGuardOptions, callerOf, dataMessage, dataOf, withAgentIdSecurity } from '../src/index.js';
import { guardedJsonRpcHandler, resourceMetadataHandler } from '../src/node.js';

export const USER = 'did:web:acme.example:users:alice';
export const TASK = 'task-1';

/** Acme: its authority and Biscuit root; agents orchestrator (0), analyst (1, the server), mallory (2), writer (3). */
export async function parties() {
  const org = createAgentIdentity();
  const rootKey = KeyPair.generate('Ed25519');
  const [orchestrator, analyst, mallory, writer] = [0, 1, 2, 3].map(() => createAgentIdentity()) as [AgentIdentity, AgentIdentity, AgentIdentity, AgentIdentity];
  const credentialOf = new Map<string, string>();
  for (const a of [orchestrator, analyst, mallory, writer]) credentialOf.set(a.did, await issueOwnershipCredential(org, { agent: a.did, onBehalfOf: USER }));
  return { org, rootKey, orchestrator, analyst, mallory, writer, credential: (a: AgentIdentity) => credentialOf.get(a.did)! };
}
export type Parties = Awaited<ReturnType<typeof parties>>;

export function signerOf(agent: AgentIdentity) {
  return { keyId: agent.keyId, keyPair: agent.keyPair };
}

export async function tempLog(name: string): Promise<AuditLog> {
  return AuditLog.open(join(await mkdtemp(join(tmpdir(), 'agent-id-a2a-')), `${name}.jsonl`));
}

/** A token minted by Acme for `holder`, then one hop per further agent given. */
export async function tokenFor(p: Parties, holders: AgentIdentity[], scope: Partial<Scope> = {}): Promise<CapabilityToken> {
  let token = await mintCapability(
    {
      onBehalfOf: USER,
      holder: holders[0]!.did,
      task: TASK,
      resources: ['crm:/customers/*'],
      actions: ['read'],
      audience: ['did:web:tools.acme.example'],
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      maxDepth: 4,
      ...scope,
    },
    { format: 'biscuit', rootKey: p.rootKey, issuer: p.org.did },
  );
  for (let i = 1; i < holders.length; i++) {
    token = await attenuate(token, { to: holders[i]!.did, signer: holders[i - 1]!.keyPair, trustedRoots: p.rootKey.publicKey });
  }
  return token;
}

export interface AgentServer {
  origin: string;
  endpoint: string;
  cardUrl: string;
  card: AgentCard;
  guard: A2AGuard;
  log: AuditLog;
  revocations: MemoryRevocationStore;
  close(): Promise<void>;
}

/**
 * The analyst's A2A server on 127.0.0.1 (port chosen at run time): the SDK's request
 * handler and JSON-RPC transport behind an A2AGuard, its card declaring the guard's scheme.
 * Its executor answers with who called and what was delegated.
 */
export async function agentServer(p: Parties, extra: Partial<A2AGuardOptions> = {}): Promise<AgentServer> {
  const app = express();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const endpoint = `${origin}/agents/analyst/a2a`;
  const log = await tempLog('server-audit');
  const revocations = new MemoryRevocationStore();
  const guard = new A2AGuard({
    agent: p.analyst.did,
    endpoint,
    resolver: createDidResolver(),
    trustedIssuers: [p.org.did],
    trustedRoots: [p.rootKey.publicKey],
    revocations,
    audit: log,
    ...extra,
  });
  const card = withAgentIdSecurity(
    {
      name: 'Acme analyst',
      description: 'Analyses customers',
      version: '1.0.0',
      supportedInterfaces: [{ url: endpoint, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      capabilities: { streaming: true, pushNotifications: false },
      defaultInputModes: ['application/json'],
      defaultOutputModes: ['application/json'],
      skills: [{ id: 'analyse', name: 'Analyse', description: 'Analyses a customer', tags: ['crm'] }],
    },
    guard.security(),
  );
  const sdkCard = SdkAgentCard.fromJSON(card);
  const executor: AgentExecutor = {
    execute: async (context, bus) => {
      const caller = callerOf(context);
      const reply = {
        caller: caller?.toJSON(),
        delegated: caller?.delegation ? { task: caller.delegation.task, to: caller.delegation.chain.at(-1)?.to, from: caller.delegation.chain.at(-1)?.from } : null,
        order: dataOf(context.userMessage) ?? null,
      };
      bus.publish(AgentEvent.message(dataMessage('agent', reply, { contextId: context.contextId })));
      bus.finished();
    },
    cancelTask: async () => {},
  };
  app.use(resourceMetadataHandler(guard));
  // The card in its JSON (wire) form, as @agent-id/a2a-cards serves it: the SDK 1.3.0's agentCardHandler
  // writes its in-memory objects (oneofs as `{$case, value}`), not the v1.0 JSON.
  app.get('/agents/analyst/.well-known/agent-card.json', (_req, res) => {
    res.json(card);
  });
  app.use('/agents/analyst/a2a', guardedJsonRpcHandler({ guard, requestHandler: new DefaultRequestHandler(sdkCard, new InMemoryTaskStore(), executor) }));
  return {
    origin,
    endpoint,
    cardUrl: `${origin}/agents/analyst/.well-known/agent-card.json`,
    card,
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
