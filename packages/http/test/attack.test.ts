import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KeyPair, type Scope } from '@agent-id/core';
import { AuditLog, verifyAuditLog } from '@agent-id/core/node';
import { createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { mintCapability } from '@agent-id/tokens';
import express from 'express';
import fc from 'fast-check';
import { expectCode } from '@agent-id/test-support';
import { SignJWT, importJWK, exportJWK } from 'jose';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialCache, type GuardedRequest, HttpGuard, ReplayCache, createAgentFetch, createProof, routeTable, verifyProof } from '../src/index.js';
import { guardExpress, guardNodeHandler } from '../src/node.js';
import { USER, type GuardedServer, type Parties, chain, guardedServer, parties, signerOf } from './fixture.js';

let p: Parties;
let s: GuardedServer;

beforeAll(async () => {
  p = await parties();
  s = await guardedServer(p);
});
afterAll(() => s.close());

async function tempLog(): Promise<AuditLog> {
  return AuditLog.open(join(await mkdtemp(join(tmpdir(), 'agent-id-attack-')), 'audit.jsonl'));
}

/** A guarded request built by hand, for guards that run without a server. */
function requestOf(method: string, target: string, headers: Record<string, string>): GuardedRequest {
  return { method, target, header: (name) => headers[name] };
}

describe('routing differentials between the route table and the application router', () => {
  // Express routes case-insensitively and ignores a trailing slash by default; the route
  // table must not pick a weaker action for a path Express sends to a stronger route.
  it('Express: a token that may only write cannot reach an admin route by changing case or adding a slash', async () => {
    const app = express();
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const log = await tempLog();
    const guard = new HttpGuard({
      resource: origin,
      map: routeTable('api', [
        { method: 'POST', path: '/admin/reset', action: 'admin' },
        { method: 'POST', path: '/*', action: 'write' },
      ]),
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: log,
    });
    let resets = 0;
    app.use(guardExpress(guard));
    app.post('/admin/reset', (_req, res) => {
      resets++;
      res.json({ reset: true });
    });
    try {
      // Write on everything, but never `admin`.
      const token = await chain(p, origin, 1, { resources: ['api:/*'], actions: ['write'] });
      const agentFetch = createAgentFetch({ agent: signerOf(p.agents[1]!), token, credential: p.credentials[1]! });
      const direct = await agentFetch(`${origin}/admin/reset`, { method: 'POST' });
      expect(direct.status).toBe(403);
      expect(await direct.json()).toMatchObject({ code: 'denied', required: { action: 'admin' } });
      for (const path of ['/ADMIN/reset', '/admin/Reset', '/admin/reset/']) {
        const response = await agentFetch(`${origin}${path}`, { method: 'POST' });
        expect(response.status, path).toBe(403);
        expect(await response.json()).toMatchObject({ code: 'denied', check: 'route' });
      }
      expect(resets).toBe(0);
      // What the table tells apart plainly still works.
      const write = await agentFetch(`${origin}/notes/1`, { method: 'POST' });
      expect(write.status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await log.close();
    }
  });

  it('Express: HEAD runs the GET route, so a HEAD is never mapped by a weaker route than that GET route', async () => {
    const app = express();
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const log = await tempLog();
    const guard = new HttpGuard({
      resource: origin,
      map: routeTable('api', [
        { method: 'GET', path: '/admin/*', action: 'admin' },
        { method: 'GET', path: '/orders/*', action: 'read' },
        { method: '*', path: '/*', action: 'read' },
      ]),
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: log,
    });
    let exported = 0;
    app.use(guardExpress(guard));
    app.get('/admin/export', (_req, res) => {
      exported++;
      res.json({ users: 'all' });
    });
    app.get('/orders/:id', (req, res) => res.json({ id: req.params.id }));
    try {
      const token = await chain(p, origin, 1, { resources: ['api:/*'], actions: ['read'] });
      const agentFetch = createAgentFetch({ agent: signerOf(p.agents[1]!), token, credential: p.credentials[1]! });
      const head = await agentFetch(`${origin}/admin/export`, { method: 'HEAD' });
      expect(head.status).toBe(403);
      expect(exported).toBe(0);
      // A HEAD that the GET route and the table map alike still works, and the client still
      // sends the credential: the refusal above came before the server read it.
      expect((await agentFetch(`${origin}/orders/7`, { method: 'HEAD' })).status).toBe(200);
      expect((await agentFetch(`${origin}/orders/8`, { method: 'HEAD' })).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await log.close();
    }
  });

  it('property: whatever the table, method and path, an action is given only when it is the action of the route a case- and slash-blind router that runs GET routes for HEAD would pick', () => {
    const routePaths = fc.constantFrom('/a', '/A', '/a/b', '/a/*', '/A/*', '/b/*', '/*', '/a/B');
    const table = fc.array(fc.record({ method: fc.constantFrom('GET', 'HEAD', '*'), path: routePaths, action: fc.constantFrom('read', 'write', 'admin') }), { minLength: 1, maxLength: 5 });
    const path = fc.tuple(fc.array(fc.constantFrom('a', 'A', 'b', 'B', 'c'), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([segments, slash]) => `/${segments.join('/')}${slash ? '/' : ''}`);
    // How Express (caseSensitive: false, strict: false) picks a route for a path.
    const expressPick = (routes: { method: string; path: string }[], method: string, p: string) => {
      const lp = p.toLowerCase().replace(/(.)\/$/, '$1');
      return routes.findIndex(
        (r) =>
          (r.method === '*' || r.method === method || (method === 'HEAD' && r.method === 'GET')) &&
          (r.path.endsWith('/*') ? `${lp}/`.startsWith(r.path.slice(0, -1).toLowerCase()) : lp === r.path.toLowerCase()),
      );
    };
    fc.assert(
      fc.property(table, fc.constantFrom('GET', 'HEAD'), path, (routes, method, p) => {
        let mapped: { action: string } | undefined;
        try {
          mapped = routeTable('api', routes)({ method, path: p, query: new URLSearchParams(), header: () => undefined }) as { action: string } | undefined;
        } catch (error) {
          expect((error as { code?: string }).code).toBe('denied');
          return;
        }
        const picked = expressPick(routes, method, p);
        if (mapped === undefined) expect(picked).toBe(-1);
        else expect(mapped.action).toBe(routes[picked]!.action);
      }),
    );
  });

  it('an absolute-form request target (GET http://evil/...) is refused before anything is read', async () => {
    const port = Number(new URL(s.origin).port);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(`GET http://evil.example/orders/1 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`));
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(raw).toContain('"code":"malformed_input"');
  });

  it('a second Authorization, DPoP or Agent-Credential header (which node keeps out of req.headers) is refused, not ignored', async () => {
    const port = Number(new URL(s.origin).port);
    const token = (await chain(p, s.origin, 1)).serialize();
    const proof = () => createProof(signerOf(p.agents[1]!), { method: 'GET', url: `${s.origin}/orders/1`, token });
    const raw = (headers: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`GET /orders/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.join('\r\n')}\r\n\r\n`));
        let text = '';
        socket.on('data', (d) => (text += d.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    const good = [`Authorization: DPoP ${token}`, `DPoP: ${proof()}`, `Agent-Credential: ${p.credentials[1]!}`];
    expect((await raw(good)).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    for (const doubled of [`Authorization: DPoP ${token}`, `DPoP: ${proof()}`, `Agent-Credential: ${p.credentials[1]!}`]) {
      const fresh = [`Authorization: DPoP ${token}`, `DPoP: ${proof()}`, `Agent-Credential: ${p.credentials[1]!}`];
      const response = await raw([...fresh, doubled]);
      expect(['HTTP/1.1 400 Bad Request', 'HTTP/1.1 401 Unauthorized'], doubled.split(':')[0]).toContain(response.split('\r\n')[0]);
      expect(response).toContain('"code":"malformed_input"');
      expect(response).toContain(`"check":"${doubled.split(':')[0]!.toLowerCase()}"`);
    }
  });

  it('a proof made for the URL the Host header names is refused: htu is checked against the configured origin', async () => {
    const token = (await chain(p, s.origin, 1)).serialize();
    const proof = createProof(signerOf(p.agents[1]!), { method: 'GET', url: 'http://evil.example/orders/1', token });
    const response = await fetch(`${s.origin}/orders/1`, { headers: { authorization: `DPoP ${token}`, dpop: proof, 'agent-credential': p.credentials[1]! } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'request_mismatch', check: 'htu' });
  });
});

describe('proof key confusion with jose-built proofs', () => {
  async function joseProof(header: Record<string, unknown>, claims: Record<string, unknown>, signer = p.agents[1]!): Promise<string> {
    const key = await importJWK(signer.keyPair.exportPrivateJwk() as never, 'EdDSA');
    return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', ...header }).sign(key);
  }
  it('kid of one agent with a jwk of another, and typ variants, are refused', async () => {
    const token = (await chain(p, s.origin, 1)).serialize();
    const url = `${s.origin}/orders/1`;
    const base = { htm: 'GET', htu: url, iat: Math.floor(Date.now() / 1000), ath: createProofAth(token) };
    const a1 = p.agents[1]!;
    const a2 = p.agents[2]!;
    const jwkOf2 = await exportJWK(await importJWK(a2.keyPair.publicKey.toJwk() as never, 'EdDSA'));
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['kid A, jwk B, signed by A', { kid: a1.keyId, jwk: jwkOf2 }, 'key_mismatch', 'proof_key'],
      ['typ DPoP+JWT', { kid: a1.keyId, typ: 'DPoP+JWT' }, 'malformed_input', 'typ'],
      ['typ jwt', { kid: a1.keyId, typ: 'JWT' }, 'malformed_input', 'typ'],
    ];
    for (const [name, header, code, check] of cases) {
      const proof = await joseProof(header, { ...base, jti: `jti-${name.replace(/\W/g, '')}-${Math.random()}` });
      const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof, 'agent-credential': p.credentials[1]! } });
      expect(response.status, name).toBe(401);
      expect(await response.json(), name).toMatchObject({ code, check });
    }
  });
});

describe('did:web proof keys', () => {
  it('a key not in authentication, a key controlled by another DID, a jwk beside another kid, a document claiming another DID', async () => {
    const auth = KeyPair.generate('Ed25519');
    const assertion = KeyPair.generate('Ed25519');
    const lent = KeyPair.generate('Ed25519');
    const victim = p.agents[2]!;
    const docs = new Map<string, unknown>();
    const server = createServer((req, res) => {
      const doc = docs.get(req.url ?? '');
      res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const did = `did:web:127.0.0.1%3A${(server.address() as AddressInfo).port}`;
    const vm = (id: string, key: KeyPair, controller = did) => ({ id: `${did}#${id}`, type: 'JsonWebKey2020', controller, publicKeyJwk: key.publicKey.toJwk() });
    docs.set('/.well-known/did.json', {
      id: did,
      verificationMethod: [vm('auth', auth), vm('assert', assertion), vm('lent', lent, victim.did)],
      authentication: [`${did}#auth`, `${did}#lent`],
      assertionMethod: [`${did}#assert`],
    });
    // A document at a path DID that names the victim as its id.
    docs.set('/impostor/did.json', { id: victim.did, verificationMethod: [vm('auth', auth)], authentication: [`${did}#auth`] });
    const resolver = createDidResolver({ allowHttpLoopback: true });
    const url = 'https://tools.example/orders/1';
    const token = 'abc.def';
    const options = () => ({ method: 'GET', url, token, resolver, replay: new ReplayCache() });
    try {
      const ok = await verifyProof(createProof({ keyId: `${did}#auth`, keyPair: auth }, { method: 'GET', url, token }), options());
      expect(ok).toMatchObject({ agent: did, keyId: `${did}#auth` });
      await expectCode(verifyProof(createProof({ keyId: `${did}#assert`, keyPair: assertion }, { method: 'GET', url, token }), options()), 'key_not_authorized');
      // A key whose VM names the victim as controller still speaks only for the document's DID.
      expect(await verifyProof(createProof({ keyId: `${did}#lent`, keyPair: lent }, { method: 'GET', url, token }), options())).toMatchObject({ agent: did });
      const mixed = await new SignJWT({ jti: 'mixed-key-proof-1', htm: 'GET', htu: url, iat: Math.floor(Date.now() / 1000), ath: createProofAth(token) })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', kid: `${did}#auth`, jwk: assertion.publicKey.toJwk() as never })
        .sign(await importJWK(assertion.exportPrivateJwk() as never, 'EdDSA'));
      await expectCode(verifyProof(mixed, options()), 'key_mismatch', 'proof_key');
      await expectCode(verifyProof(createProof({ keyId: `${did}:impostor#auth`, keyPair: auth }, { method: 'GET', url, token }), options()), 'malformed_input', 'document_id');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function createProofAth(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

describe('credential cache poisoning', () => {
  // A credential cache shared by guards (the option exists for that) must not let a
  // credential one guard trusts vouch at a guard that trusts another organisation.
  it('a credential verified by a guard trusting Acme does not vouch at a guard that trusts only another organisation', async () => {
    const credentials = new CredentialCache();
    const log = await tempLog();
    const other = createAgentIdentity();
    const resource = 'https://tools.example';
    const common = {
      resource,
      map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
      resolver: createDidResolver(),
      trustedRoots: [p.rootKey.publicKey],
      audit: log,
      credentials,
    };
    const trustsAcme = new HttpGuard({ ...common, trustedIssuers: [p.org.did] });
    const trustsOther = new HttpGuard({ ...common, trustedIssuers: [other.did] });
    const token = (await chain(p, resource, 1)).serialize();
    const headers = (withCredential: boolean) => ({
      authorization: `DPoP ${token}`,
      dpop: createProof(signerOf(p.agents[1]!), { method: 'GET', url: `${resource}/orders/1`, token }),
      ...(withCredential ? { 'agent-credential': p.credentials[1]! } : {}),
    });
    expect((await trustsAcme.check(requestOf('GET', '/orders/1', headers(true)))).decision).toBe('allow');
    const refused = await trustsOther.check(requestOf('GET', '/orders/1', headers(false)));
    expect(refused).toMatchObject({ decision: 'deny', code: 'credential_required' });
    // Sent again, it is verified against this guard's own trusted issuers.
    const sent = await trustsOther.check(requestOf('GET', '/orders/1', headers(true)));
    expect(sent).toMatchObject({ decision: 'deny', code: 'untrusted_issuer' });
    await log.close();
  });
});

describe('replay store exhaustion', () => {
  // The replay store is bounded and refuses when full: a party nobody vouches for (any
  // did:key, a token of its own making) must not be able to fill it and lock everyone out.
  it('proofs of an agent without a trusted credential do not use up replay store slots', async () => {
    const replay = new ReplayCache({ maxEntries: 8 });
    const log = await tempLog();
    const resource = 'https://tools.example';
    const guard = new HttpGuard({
      resource,
      map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: log,
      replay,
    });
    const stranger = createAgentIdentity();
    const strangerRoot = KeyPair.generate('Ed25519');
    const scope: Partial<Scope> = {};
    const own = await mintCapability(
      { onBehalfOf: USER, holder: stranger.did, task: 't', resources: ['api:/orders/*'], actions: ['read'], audience: [resource], expiresAt: Math.floor(Date.now() / 1000) + 600, maxDepth: 2, ...scope },
      { format: 'biscuit', rootKey: strangerRoot, issuer: stranger.did },
    );
    const ownText = own.serialize();
    const selfIssued = await issueOwnershipCredential(stranger, { agent: stranger.did, onBehalfOf: USER });
    for (let i = 0; i < 20; i++) {
      const d = await guard.check(
        requestOf('GET', '/orders/1', { authorization: `DPoP ${ownText}`, dpop: createProof(signerOf(stranger), { method: 'GET', url: `${resource}/orders/1`, token: ownText }), 'agent-credential': selfIssued }),
      );
      expect(d).toMatchObject({ decision: 'deny', code: 'untrusted_issuer' });
    }
    const token = (await chain(p, resource, 1)).serialize();
    const legit = await guard.check(
      requestOf('GET', '/orders/1', { authorization: `DPoP ${token}`, dpop: createProof(signerOf(p.agents[1]!), { method: 'GET', url: `${resource}/orders/1`, token }), 'agent-credential': p.credentials[1]! }),
    );
    expect(legit.decision).toBe('allow');
    await log.close();
    // A refusal names an agent only when its proof was its own and fresh: the strangers' are unnamed.
    const records = (await verifyAuditLog(log.path)).map((e) => e.record);
    expect(records.filter((r) => r.agent === stranger.did)).toEqual([]);
    expect(records.at(-1)).toMatchObject({ decision: 'allow', agent: p.agents[1]!.did });
  });
});

describe('what refusals and audit records carry', () => {
  it('no refusal body, header or audit record carries token, proof or credential text, whatever part is broken', async () => {
    const token = (await chain(p, s.origin, 1)).serialize();
    const url = `${s.origin}/orders/1`;
    const cred = p.credentials[1]!;
    const proof = () => createProof(signerOf(p.agents[1]!), { method: 'GET', url, token });
    const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    const variants: Record<string, string>[] = [
      { authorization: `DPoP ${flip(token, 40)}`, dpop: proof(), 'agent-credential': cred },
      { authorization: `DPoP ${token}`, dpop: flip(proof(), 30), 'agent-credential': cred },
      { authorization: `DPoP ${token}`, dpop: proof(), 'agent-credential': flip(cred, cred.length - 5) },
      { authorization: `DPoP ${token}`, dpop: proof(), 'agent-credential': `${cred}.x` },
      { authorization: `Bearer ${token}` },
      { authorization: `DPoP ${token}x!`, dpop: proof() },
    ];
    const secrets = [token, cred];
    for (const headers of variants) {
      const response = await fetch(url, { headers });
      expect(response.status).toBeGreaterThanOrEqual(400);
      const text = `${JSON.stringify([...response.headers])}${await response.text()}`;
      for (const secret of secrets) for (let i = 0; i + 24 <= secret.length; i += 12) expect(text.includes(secret.slice(i, i + 24))).toBe(false);
    }
    const records = JSON.stringify((await verifyAuditLog(s.log.path)).map((e) => e.record));
    for (const secret of secrets) for (let i = 0; i + 24 <= secret.length; i += 12) expect(records.includes(secret.slice(i, i + 24))).toBe(false);
  });

  it('an audit sink that fails never lets a request through: the guard throws, node:http answers 500, the handler never runs', async () => {
    const resource = 'https://tools.example';
    let ran = 0;
    const failing = { append: async () => Promise.reject(new Error('disk full')) };
    const guard = new HttpGuard({
      resource,
      map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: failing,
    });
    const token = (await chain(p, resource, 1)).serialize();
    const headers = { authorization: `DPoP ${token}`, dpop: createProof(signerOf(p.agents[1]!), { method: 'GET', url: `${resource}/orders/1`, token }), 'agent-credential': p.credentials[1]! };
    await expect(guard.check(requestOf('GET', '/orders/1', headers))).rejects.toThrow('disk full');
    const server = createServer(guardNodeHandler(guard, (_req, res) => {
      ran++;
      res.end('ok');
    }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/orders/1`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'server_error', code: 'internal', check: 'internal' });
      expect(ran).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('group commit', () => {
  it('each of 32 concurrent decisions is returned only once its own record is in the log file, in order and chained', async () => {
    const log = await tempLog();
    const resource = 'https://tools.example';
    const guard = new HttpGuard({
      resource,
      map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: log,
    });
    const token = (await chain(p, resource, 1)).serialize();
    const one = (i: number) =>
      guard.check(
        requestOf('GET', `/orders/${i}`, {
          authorization: `DPoP ${i % 3 === 0 ? `${token}x` : token}`,
          dpop: createProof(signerOf(p.agents[1]!), { method: 'GET', url: `${resource}/orders/${i}`, token }),
          'agent-credential': p.credentials[1]!,
        }),
      ).then((d) => {
        const lines = readFileSync(log.path, 'utf8').split('\n');
        return { d, onDisk: lines.some((l) => l.includes(`"hash":"${d.entry.hash}"`)) };
      });
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => one(i)));
    for (const { d, onDisk } of results) expect(onDisk, String(d.entry.seq)).toBe(true);
    expect(results.filter((r) => r.d.decision === 'allow').length).toBe(21);
    await log.close();
    const entries = await verifyAuditLog(log.path);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 32 }, (_, i) => i));
  });
});

describe('audit principals', () => {
  it('a replayed proof is refused and its record names no agent: whoever sent the copy is unknown', async () => {
    const log = await tempLog();
    const resource = 'https://tools.example';
    const guard = new HttpGuard({
      resource,
      map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: log,
    });
    const token = (await chain(p, resource, 1)).serialize();
    const headers = { authorization: `DPoP ${token}`, dpop: createProof(signerOf(p.agents[1]!), { method: 'GET', url: `${resource}/orders/1`, token }), 'agent-credential': p.credentials[1]! };
    expect((await guard.check(requestOf('GET', '/orders/1', headers))).decision).toBe('allow');
    const replayed = await guard.check(requestOf('GET', '/orders/1', headers));
    expect(replayed).toMatchObject({ decision: 'deny', code: 'replayed', check: 'jti', status: 401 });
    expect(replayed).not.toHaveProperty('agent');
    await log.close();
    const [allowed, refused] = (await verifyAuditLog(log.path)).map((e) => e.record);
    expect(allowed).toMatchObject({ decision: 'allow', agent: p.agents[1]!.did });
    expect(refused).toMatchObject({ decision: 'deny', code: 'replayed' });
    expect(refused!.agent).not.toBe(p.agents[1]!.did);
  });
});

describe('cached verified chains', () => {
  it('a handler that tries to change the decision it got cannot change what the next request of the same token gets', async () => {
    const token = await chain(p, s.origin, 1, { actions: ['read'] });
    const text = token.serialize();
    const log = await tempLog();
    const guard = new HttpGuard({
      resource: s.origin,
      map: routeTable('api', [
        { method: 'GET', path: '/orders/*', action: 'read' },
        { method: 'POST', path: '/orders/*', action: 'write' },
      ]),
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: log,
    });
    const send = (method: string) =>
      guard.check(requestOf(method, '/orders/1', { authorization: `DPoP ${text}`, dpop: createProof(signerOf(p.agents[1]!), { method, url: `${s.origin}/orders/1`, token: text }), 'agent-credential': p.credentials[1]! }));
    const first = await send('GET');
    if (first.decision !== 'allow') return expect.unreachable(first.code);
    const tamper = () => {
      (first.effective.actions as string[]).push('write');
      (first.chain[0]!.granted.actions as string[]).push('write');
    };
    expect(tamper).toThrow(TypeError);
    // Every member the cached chain shares with the decision is frozen, not only the ones above.
    for (const scope of [first.effective, ...first.chain.map((h) => h.granted)]) {
      expect(Object.isFrozen(scope)).toBe(true);
      for (const value of Object.values(scope)) if (typeof value === 'object' && value !== null) expect(Object.isFrozen(value)).toBe(true);
    }
    expect(await send('POST')).toMatchObject({ decision: 'deny', code: 'denied' });
    await log.close();
    const records = (await verifyAuditLog(log.path)).map((e) => e.record);
    expect(records.map((r) => [r.decision, r.agent])).toEqual([
      ['allow', p.agents[1]!.did],
      ['deny', p.agents[1]!.did],
    ]);
  });
});
