import { mkdtemp } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditRecord, type Clock, KeyPair } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { type AgentIdentity, createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { createProof } from '@agent-id/http';
import { MemoryRevocationStore } from '@agent-id/tokens';
import { AccessTokenKeys, TOKEN_EXCHANGE_GRANT, TOKEN_TYPES, TokenService, type TokenServiceOptions } from '../src/index.js';
import { tokenServiceNodeHandler } from '../src/node.js';
import { CLIENT_ID, type Idp } from './idp.js';

export const SCOPES = {
  'orders.read': { resources: ['api:/orders/*'], actions: ['read'] },
  'orders.write': { resources: ['api:/orders/*'], actions: ['write'] },
  'hr.read': { resources: ['api:/hr/*'], actions: ['read'] },
};

export interface Service {
  origin: string;
  service: TokenService;
  tokenEndpoint: string;
  org: AgentIdentity;
  rootKey: KeyPair;
  rootSecret: { id: string; secret: Uint8Array };
  agents: AgentIdentity[];
  credentials: string[];
  consents: Map<string, string[]>;
  revocations: MemoryRevocationStore;
  keys: AccessTokenKeys;
  log: AuditLog;
  /** Every record the service audited, in order. */
  records: AuditRecord[];
  /** The OAuth-only API's resource identifier. */
  api: string;
  /** A second API, which no capability names. */
  otherApi: string;
  close(): Promise<void>;
}

/** Acme's token service on 127.0.0.1, trusting `idp`; agents 0..3 vouched for by Acme; policy lets agents 0 and 1 hold orders scopes. */
export async function startService(idp: Idp, extra: Partial<TokenServiceOptions> = {}, api = 'https://orders.acme.example/api'): Promise<Service> {
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const org = createAgentIdentity();
  const rootKey = KeyPair.generate('Ed25519');
  const rootSecret = { id: 'acme-1', secret: new Uint8Array(32).fill(7) };
  const agents = [0, 1, 2, 3].map(() => createAgentIdentity());
  const credentials = await Promise.all(agents.map((a) => issueOwnershipCredential(org, { agent: a.did })));
  const consents = new Map<string, string[]>();
  const revocations = new MemoryRevocationStore();
  const keys = await AccessTokenKeys.generate({ overlapSec: 600, ...(extra.clock ? { clock: extra.clock } : {}) });
  const log = await AuditLog.open(join(await mkdtemp(join(tmpdir(), 'agent-id-oauth-')), 'audit.jsonl'));
  const records: AuditRecord[] = [];
  const otherApi = 'https://hr.acme.example/api';
  const allowed = new Set([agents[0]!.did, agents[1]!.did]);
  const service = new TokenService({
    issuer: origin,
    organisation: org.did,
    rootKey,
    rootSecret,
    identityProviders: [{ issuer: idp.issuer, audience: CLIENT_ID }],
    scopes: SCOPES,
    agentPolicy: ({ agent }) => (allowed.has(agent) ? { scopes: ['orders.read', 'orders.write'], audience: [api], maxDepth: 5 } : undefined),
    consents: { consented: (user, agent) => consents.get(`${user.issuer}|${user.subject}|${agent}`) },
    apis: { [api]: { scopes: ['orders.read', 'orders.write'] }, [otherApi]: { scopes: ['hr.read'] } },
    accessTokenKeys: keys,
    resolver: createDidResolver(),
    trustedIssuers: [org.did],
    revocations,
    audit: {
      append(record) {
        records.push(record);
        return log.append(record);
      },
    },
    ...extra,
  });
  handler = tokenServiceNodeHandler(service);
  return {
    origin,
    service,
    tokenEndpoint: service.tokenEndpoint,
    org,
    rootKey,
    rootSecret,
    agents,
    credentials,
    consents,
    revocations,
    keys,
    log,
    records,
    api,
    otherApi,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await log.close();
    },
  };
}

export function consent(s: Service, idp: Idp, user: string, agent: number, scopes: string[]): void {
  s.consents.set(`${idp.issuer}|${user}|${s.agents[agent]!.did}`, scopes);
}

export interface ExchangeInput {
  subjectToken: string;
  subjectType: string;
  /** The agent that signs the proof. */
  by: AgentIdentity;
  /** Its ownership credential (default: the credential of `by`). */
  credential: string;
  params?: Record<string, string | string[]>;
  clock?: Clock;
  proof?: string;
}

/** One token request over HTTP, as an agent sends it. */
export async function post(s: Service, input: ExchangeInput): Promise<{ status: number; body: Record<string, unknown>; proof: string }> {
  const form = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: input.subjectToken,
    subject_token_type: input.subjectType,
    actor_token: input.credential,
    actor_token_type: TOKEN_TYPES.ownershipCredential,
  });
  for (const [k, v] of Object.entries(input.params ?? {})) for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
  const proof = input.proof ?? createProof({ keyId: input.by.keyId, keyPair: input.by.keyPair }, { method: 'POST', url: s.tokenEndpoint, token: input.subjectToken, ...(input.clock ? { clock: input.clock } : {}) });
  const response = await fetch(s.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof }, body: form.toString() });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, proof };
}
