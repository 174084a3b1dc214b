import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KeyType, base64urlDecode, base64urlEncode } from '@agent-id/core';
import { utf8ToBytes } from '@agent-id/core/internal';
import { type AgentIdentity, type DidDocument, createAgentIdentity, createDidWebDocument, didWebFromDomain, parseDidWeb } from '@agent-id/did';
import type { AgentCard } from '../src/index.js';
import { type AgentCardServer, serveAgentCard } from '../src/node.js';

export function makeCard(origin: string, overrides: Partial<AgentCard> = {}): AgentCard {
  return {
    name: 'Trip Planner',
    description: 'Plans business trips',
    version: '1.2.0',
    supportedInterfaces: [
      { url: `${origin}/a2a/v1`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${origin}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    provider: { organization: 'Acme Corp', url: 'https://acme.example' },
    capabilities: { streaming: true, pushNotifications: false },
    securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', bearerFormat: 'JWT' } } },
    securityRequirements: [{ schemes: { bearer: { list: ['trips:write'] } } }],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['application/json'],
    skills: [{ id: 'plan', name: 'Plan a trip', description: 'Books flights and hotels', tags: ['travel', 'booking'], examples: ['Fly me to Lisbon on Monday'] }],
    documentationUrl: 'https://acme.example/docs/planner',
    ...overrides,
  };
}

/** An organisation's domain: a real HTTP server on 127.0.0.1 serving its DID documents and card. */
export interface Domain {
  server: AgentCardServer;
  origin: string;
  org: AgentIdentity;
  documents: DidDocument[];
  /** Adds an identity under a path of this domain (did:web:host:agents:<name>). */
  addAgent(name: string, keyType?: KeyType): AgentIdentity;
  publish(): void;
  close(): Promise<void>;
}

export async function startDomain(keyType: KeyType = 'Ed25519'): Promise<Domain> {
  const server = await serveAgentCard();
  const org = createAgentIdentity({ method: 'web', domain: server.authority, keyType });
  const documents: DidDocument[] = [org.document!];
  const domain: Domain = {
    server,
    origin: server.origin,
    org,
    documents,
    addAgent(name, type = 'Ed25519') {
      const id = createAgentIdentity({ method: 'web', domain: server.authority, path: ['agents', name], keyType: type });
      documents.push(id.document!);
      server.setDidDocuments(documents);
      return id;
    },
    publish() {
      server.setDidDocuments(documents);
    },
    close: () => server.close(),
  };
  server.setDidDocuments(documents);
  return domain;
}

/** A DID document whose second key is listed but not an assertion method. */
export function documentWithUnauthorisedKey(id: AgentIdentity, extra: AgentIdentity): DidDocument {
  const doc = createDidWebDocument(id.did, [{ publicKey: id.keyPair.publicKey }, { publicKey: extra.keyPair.publicKey }]);
  const second = `${id.did}#key-2`;
  return { ...doc, assertionMethod: doc.assertionMethod!.filter((k) => k !== second) };
}

export function didWebPathOf(did: string): string {
  return parseDidWeb(did).documentPath;
}

export { didWebFromDomain };

/** A real HTTP server counting requests. */
export async function startCountingServer(handler: (url: string, res: import('node:http').ServerResponse) => void) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function b64json(value: unknown): string {
  return base64urlEncode(JSON.stringify(value));
}

export function decodeHeader(protectedB64: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64urlDecode(protectedB64))) as Record<string, unknown>;
}

export { utf8ToBytes };
