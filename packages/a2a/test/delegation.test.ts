import { randomBytes } from 'node:crypto';
import { AgentCard as SdkAgentCard } from '@a2a-js/sdk';
import type { CapabilityToken } from '@agent-id/tokens';
import { attenuate, mintCapability } from '@agent-id/tokens';
import { expectCode, junk } from '@agent-id/test-support';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilityMetadata, capabilityOf, createA2AClientFactory, dataMessage, refusalOfA2AError, verifyDelegation } from '../src/index.js';
import { type AgentServer, type Parties, TASK, USER, agentServer, parties, signerOf, tokenFor } from './fixture.js';

let p: Parties;

beforeAll(async () => {
  p = await parties();
});

describe('verifyDelegation', () => {
  it('accepts exactly the tokens whose last hop the sender made to the receiver (property)', async () => {
    const agents = [p.orchestrator, p.analyst, p.mallory, p.writer];
    // Every last hop from → to among the four agents (from ≠ to), made once.
    const hops = new Map<string, CapabilityToken>();
    for (const from of agents) for (const to of agents) if (from !== to) hops.set(`${from.did}>${to.did}`, await tokenFor(p, [from, to]));
    const roots = { trustedRoots: [p.rootKey.publicKey] };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), async (f, t, r, s) => {
        fc.pre(f !== t);
        const token = hops.get(`${agents[f]!.did}>${agents[t]!.did}`)!;
        const attempt = verifyDelegation({ token: token.serialize(), task: TASK }, { receiver: agents[r]!.did, sender: agents[s]!.did, ...roots });
        if (t === r && f === s) {
          const accepted = await attempt;
          expect(accepted.chain.at(-1)).toMatchObject({ from: agents[f]!.did, to: agents[t]!.did });
          expect(accepted).toMatchObject({ onBehalfOf: USER, task: TASK, signaturesVerified: true });
        } else await expectCode(attempt, 'holder_mismatch', t !== r ? 'delegation_to' : 'delegation_from');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a token from an untrusted root, and a forged hop; reads a Macaroon as stated only when told to', async () => {
    const token = await tokenFor(p, [p.orchestrator, p.analyst]);
    const carried = { token: token.serialize(), task: TASK };
    const who = { receiver: p.analyst.did, sender: p.orchestrator.did };
    await expectCode(verifyDelegation(carried, who), 'untrusted_issuer');
    await expectCode(verifyDelegation(carried, { ...who, trustedRoots: [p.mallory.keyPair.publicKey] }), 'invalid_signature');
    // A Biscuit tampered with in transit.
    const bytes = Buffer.from(carried.token, 'base64url');
    bytes[bytes.length - 10]! ^= 1;
    const tampered = { token: bytes.toString('base64url'), task: TASK };
    const e = await verifyDelegation(tampered, { ...who, trustedRoots: [p.rootKey.publicKey] }).then(
      () => expect.fail('a tampered token was accepted'),
      (x: unknown) => x as { code: string },
    );
    expect(['invalid_signature', 'malformed_input']).toContain(e.code);

    const rootSecret = { id: 'acme-1', secret: new Uint8Array(randomBytes(32)), issuer: p.org.did };
    const root = await mintCapability(
      { onBehalfOf: USER, holder: p.orchestrator.did, task: TASK, resources: ['crm:/c/*'], actions: ['read'], audience: ['did:web:tools.acme.example'], expiresAt: Math.floor(Date.now() / 1000) + 600, maxDepth: 2 },
      { format: 'macaroon', rootSecret, issuer: p.org.did },
    );
    const macaroon = { token: (await attenuate(root, { to: p.analyst.did, signer: p.orchestrator.keyPair })).serialize(), task: TASK };
    await expectCode(verifyDelegation(macaroon, who), 'untrusted_issuer');
    const stated = await verifyDelegation(macaroon, { ...who, unverifiedFormats: ['macaroon'] });
    expect(stated).toMatchObject({ format: 'macaroon', signaturesVerified: false, task: TASK });
    await expectCode(verifyDelegation(macaroon, { receiver: p.mallory.did, sender: p.orchestrator.did, unverifiedFormats: ['macaroon'] }), 'holder_mismatch', 'delegation_to');
    const verified = await verifyDelegation(macaroon, { ...who, rootSecrets: [rootSecret] });
    expect(verified.signaturesVerified).toBe(true);
  });

  it('gives junk of every type a coded refusal, never a crash or a pass', async () => {
    const who = { receiver: p.analyst.did, sender: p.orchestrator.did, trustedRoots: [p.rootKey.publicKey] };
    for (const [label, value] of junk) {
      await expectCode(verifyDelegation(value as never, who), 'malformed_input').catch((e: unknown) => {
        throw new Error(`${label}: ${String(e)}`);
      });
      const asToken = verifyDelegation({ token: value as string, task: TASK }, who).catch((e: unknown) => e as { code?: string });
      expect(['malformed_input', 'input_too_large'], label).toContain(((await asToken) as { code?: string }).code);
    }
  });

  it('capabilityOf: no metadata is no delegation; half-stated or mistyped metadata is malformed_input', () => {
    expect(capabilityOf({})).toBeUndefined();
    expect(capabilityOf({ metadata: { other: 1 } })).toBeUndefined();
    expect(capabilityOf({ metadata: capabilityMetadata('abc', 't') })).toEqual({ token: 'abc', task: 't' });
    expectCode(() => capabilityOf({ metadata: { 'agent-id/capability': 'abc' } }), 'malformed_input', 'capability_metadata');
    expectCode(() => capabilityOf({ metadata: { 'agent-id/task': 't' } }), 'malformed_input', 'capability_metadata');
    expectCode(() => capabilityOf({ metadata: capabilityMetadata('x'.repeat(20_000), 't') }), 'malformed_input', 'capability_metadata');
    for (const [label, value] of junk) {
      if (value === undefined || value === null) {
        expect(capabilityOf({ metadata: value }), label).toBeUndefined();
        continue;
      }
      const asToken = () => capabilityOf({ metadata: { 'agent-id/capability': value, 'agent-id/task': 't' } });
      if (typeof value === 'string' && value !== '' && value.length <= 16_384) expect(asToken(), label).toEqual({ token: value, task: 't' });
      else expectCode(asToken, 'malformed_input', 'capability_metadata');
      if (typeof value !== 'object' || Array.isArray(value)) expectCode(() => capabilityOf({ metadata: value }), 'malformed_input', 'capability_metadata');
    }
  });
});

describe('junk over the wire, to a real server', () => {
  let s: AgentServer;
  beforeAll(async () => {
    s = await agentServer(p);
  });
  afterAll(() => s.close());

  it('junk metadata in an authenticated message: a JSON-RPC error with a code, never a crash or a pass', async () => {
    const client = await createA2AClientFactory({ agent: signerOf(p.orchestrator), credential: p.credential(p.orchestrator) }).createFromAgentCard(SdkAgentCard.fromJSON(s.card));
    for (const [label, value] of junk) {
      if (value === undefined || typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function' || label.includes('cyclic') || label.includes('deep')) continue; // the SDK client itself cannot serialize these
      const message = dataMessage('user', { ask: label }, { metadata: { 'agent-id/capability': value, 'agent-id/task': TASK } });
      const error = await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const refusal = refusalOfA2AError(error);
      expect(refusal?.code ?? String(error), label).toMatch(/^(malformed_input|input_too_large)$/);
    }
  });

  it('junk bodies and headers get 4xx answers with a code', async () => {
    const credential = p.credential(p.orchestrator);
    const bodies = ['', '{', 'null', '[]', '{"jsonrpc":"2.0"}', '{"jsonrpc":"1.0","method":"SendMessage"}', JSON.stringify({ jsonrpc: '2.0', method: 7 }), 'x'.repeat(2_000_000)];
    const { createProof } = await import('@agent-id/http');
    for (const body of bodies) {
      const response = await fetch(s.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `DPoP ${credential}`, dpop: createProof(signerOf(p.orchestrator), { method: 'POST', url: s.endpoint, token: credential }) },
        body,
      });
      expect(response.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(response.status, body.slice(0, 40)).toBeLessThan(500);
      expect(((await response.json()) as { code?: string }).code, body.slice(0, 40)).toMatch(/^(malformed_input|input_too_large)$/);
    }
    for (const [label, value] of junk) {
      if (typeof value !== 'string' || value.length > 10_000 || !/^[\x20-\x7e]*$/.test(value)) continue;
      const variants: Record<string, string>[] = [{ authorization: value }, { authorization: `DPoP ${value}` }, { authorization: `DPoP ${credential}`, dpop: value }];
      for (const headers of variants) {
        const response = await fetch(s.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{}}' });
        expect([400, 401], `${label} ${Object.keys(headers).join('+')}`).toContain(response.status);
        expect(typeof ((await response.json()) as { code?: unknown }).code).toBe('string');
      }
    }
  });
});
