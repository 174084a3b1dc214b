import { KeyPair, manualClock } from '@agent-id/core';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createAgentIdentity,
  createDidResolver,
  createDidWebDocument,
  type DidDocument,
  didWebDocumentUrl,
  didWebFromDomain,
  parseDidWeb,
} from '../src/index.js';
import { expectCode } from '@agent-id/test-support';
import { type TestServer, startDidServer, startServer } from './helpers.js';

describe('did:web identifiers', () => {
  it('maps DIDs to document URLs as the did:web method specifies', () => {
    expect(didWebDocumentUrl('did:web:w3c-ccg.github.io')).toBe('https://w3c-ccg.github.io/.well-known/did.json');
    expect(didWebDocumentUrl('did:web:w3c-ccg.github.io:user:alice')).toBe('https://w3c-ccg.github.io/user/alice/did.json');
    expect(didWebDocumentUrl('did:web:example.com%3A3000')).toBe('https://example.com:3000/.well-known/did.json');
    expect(didWebFromDomain('example.com:3000', 'user/alice')).toBe('did:web:example.com%3A3000:user:alice');
    // Plain HTTP only for loopback, only when asked.
    expect(didWebDocumentUrl('did:web:127.0.0.1%3A8080', { allowHttpLoopback: true })).toBe('http://127.0.0.1:8080/.well-known/did.json');
    expect(didWebDocumentUrl('did:web:127.0.0.1%3A8080')).toBe('https://127.0.0.1:8080/.well-known/did.json');
    expect(didWebDocumentUrl('did:web:example.com', { allowHttpLoopback: true })).toBe('https://example.com/.well-known/did.json');
  });

  it('a did:web identity always carries its document and where to host it (typed as present)', () => {
    const org = createAgentIdentity({ method: 'web', domain: 'acme.example', path: 'agents/planner' });
    expectTypeOf(org.document).toEqualTypeOf<DidDocument>();
    expect(org.document.id).toBe('did:web:acme.example:agents:planner');
    expect(org.documentPath).toBe('/agents/planner/did.json');
    expect(org.documentUrl).toBe('https://acme.example/agents/planner/did.json');
    expectTypeOf(createAgentIdentity().document).toEqualTypeOf<DidDocument | undefined>();
  });

  it('refuses malformed did:web identifiers', async () => {
    for (const bad of ['did:web:', 'did:web:exa mple.com', 'did:web:example.com:..', 'did:web:%zz', 'did:web:a.com%2Fevil', 'did:web:user@host']) {
      await expectCode(() => parseDidWeb(bad), 'malformed_input');
    }
    await expectCode(() => parseDidWeb('did:key:z6Mk'), 'unknown_did');
  });
});

describe('did:web resolution over real HTTP on 127.0.0.1', () => {
  let server: TestServer;
  const docs: ReturnType<typeof createDidWebDocument>[] = [];
  let org: ReturnType<typeof createAgentIdentity>;
  let alice: ReturnType<typeof createAgentIdentity>;

  beforeAll(async () => {
    server = await startDidServer(docs);
    org = createAgentIdentity({ method: 'web', domain: server.host, allowHttpLoopback: true });
    alice = createAgentIdentity({ method: 'web', domain: server.host, path: ['agents', 'alice'], keyType: 'P-256' });
    docs.push(org.document!, alice.document!);
  });
  afterAll(() => server.close());

  it('resolves root and path DIDs and their keys', async () => {
    const resolver = createDidResolver({ allowHttpLoopback: true });
    expect(org.documentUrl).toBe(`http://${server.host}/.well-known/did.json`);
    expect((await resolver.resolve(org.did)).id).toBe(org.did);
    const key = await resolver.resolveKey(alice.keyId, 'assertionMethod');
    expect(key.publicKey.equals(alice.keyPair.publicKey)).toBe(true);
    expect(alice.documentPath).toBe('/agents/alice/did.json');
  });

  it('caches documents for the TTL, then fetches again; concurrent resolutions share a fetch', async () => {
    const clock = manualClock('2030-01-01T00:00:00Z');
    const resolver = createDidResolver({ allowHttpLoopback: true, cacheTtlMs: 60_000, clock });
    const path = '/.well-known/did.json';
    const before = server.hits.get(path) ?? 0;
    await Promise.all([resolver.resolve(org.did), resolver.resolve(org.did), resolver.resolveKey(org.keyId, 'authentication')]);
    expect(server.hits.get(path)).toBe(before + 1);
    clock.advance(59_000);
    await resolver.resolve(org.did);
    expect(server.hits.get(path)).toBe(before + 1);
    clock.advance(2_000);
    await resolver.resolve(org.did);
    expect(server.hits.get(path)).toBe(before + 2);
  });

  it('refuses plain HTTP unless allowed (tries HTTPS, which nothing serves)', async () => {
    await expectCode(createDidResolver({ timeoutMs: 2_000 }).resolve(org.did), 'did_unreachable');
  });

  it('reports a missing document as unknown_did and keys outside the document as unknown_key', async () => {
    const resolver = createDidResolver({ allowHttpLoopback: true });
    await expectCode(resolver.resolve(didWebFromDomain(server.host, 'nobody')), 'unknown_did');
    await expectCode(resolver.resolveKey(`${org.did}#key-9`, 'assertionMethod'), 'unknown_key');
    await expectCode(resolver.resolveKey(org.did, 'assertionMethod'), 'malformed_input');
  });

  it('refuses a key not authorised for the relationship', async () => {
    const did = didWebFromDomain(server.host, 'limited');
    const doc = createDidWebDocument(did, [{ publicKey: KeyPair.generate().publicKey }, { publicKey: KeyPair.generate().publicKey }]);
    doc.assertionMethod = [`${did}#key-1`];
    docs.push(doc);
    const resolver = createDidResolver({ allowHttpLoopback: true });
    await resolver.resolveKey(`${did}#key-1`, 'assertionMethod');
    await expectCode(resolver.resolveKey(`${did}#key-2`, 'assertionMethod'), 'key_not_authorized');
    await resolver.resolveKey(`${did}#key-2`, 'authentication');
  });
});

describe('did:web failures', () => {
  const cases: [string, Parameters<typeof startServer>[0], string][] = [
    ['server error', (_q, s) => s.writeHead(500).end('boom'), 'did_unreachable'],
    ['redirect (never followed)', (_q, s) => s.writeHead(302, { location: 'http://127.0.0.1:1/' }).end(), 'did_unreachable'],
    ['invalid JSON', (_q, s) => s.writeHead(200).end('{"id":'), 'malformed_input'],
    ['a document for another DID', (_q, s) => s.writeHead(200).end(JSON.stringify({ id: 'did:web:evil.example' })), 'malformed_input'],
    ['a non-object document', (_q, s) => s.writeHead(200).end('[1,2,3]'), 'malformed_input'],
    ['oversized (declared)', (_q, s) => s.writeHead(200, { 'content-length': 200_000 }).end('x'.repeat(200_000)), 'input_too_large'],
    [
      'oversized (streamed, no length)',
      (_q, s) => {
        s.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let i = 0; i < 100; i++) s.write('x'.repeat(1_000));
        s.end();
      },
      'input_too_large',
    ],
  ];
  it.each(cases)('%s', async (_name, handler, code) => {
    const server = await startServer(handler);
    try {
      const resolver = createDidResolver({ allowHttpLoopback: true, maxDocumentBytes: 65_536, timeoutMs: 2_000 });
      await expectCode(resolver.resolve(didWebFromDomain(server.host)), code);
    } finally {
      await server.close();
    }
  });

  it('times out on a server that never answers', async () => {
    const server = await startServer(() => undefined);
    try {
      const resolver = createDidResolver({ allowHttpLoopback: true, timeoutMs: 200 });
      await expectCode(resolver.resolve(didWebFromDomain(server.host)), 'did_unreachable');
    } finally {
      await server.close();
    }
  });

  it('reports a closed port as unreachable', async () => {
    const server = await startServer();
    const host = server.host;
    await server.close();
    await expectCode(createDidResolver({ allowHttpLoopback: true }).resolve(didWebFromDomain(host)), 'did_unreachable');
  });

  it('refuses malformed documents from the server', async () => {
    const did = { current: '' };
    const server = await startServer((_q, s) =>
      s.writeHead(200).end(JSON.stringify({ id: did.current, verificationMethod: [{ id: 1 }] })),
    );
    try {
      did.current = didWebFromDomain(server.host);
      await expectCode(createDidResolver({ allowHttpLoopback: true }).resolve(did.current), 'malformed_input');
    } finally {
      await server.close();
    }
  });
});
