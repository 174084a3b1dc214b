import { AgentIdError, KeyPair } from '@agent-id/core';
import { createAgentIdentity, createDidResolver } from '@agent-id/did';
import { junkValues } from '@agent-id/test-support';
import { describe, expect, it } from 'vitest';
import { attachOwnershipCredential, canonicalizeAgentCard, createJwksCache, defineTrustPolicy, fetchAndVerify, signAgentCard, verifyAgentCard } from '../src/index.js';
import { agentCardHandler, serveAgentCard } from '../src/node.js';
import { makeCard } from './helpers.js';

// The shared values of every type (@agent-id/test-support), then card-shaped near misses.
const JUNK: unknown[] = [
  ...junkValues,
  '{"name":1}',
  { name: null }, { signatures: 'x' }, { signatures: [1] }, { signatures: [{ protected: 1 }] }, { signatures: [{ protected: 'a', signature: 'b' }] },
  { capabilities: [] }, { skills: [null] }, { securitySchemes: { a: null } }, { supportedInterfaces: [{ url: 5 }] }, { capabilities: { extensions: [{ params: [1] }] } },
];

async function outcome(run: () => unknown): Promise<unknown> {
  try {
    await run();
    return 'ok';
  } catch (e) {
    return e;
  }
}

function expectTyped(result: unknown): void {
  if (result === 'ok') return;
  expect(result).toBeInstanceOf(AgentIdError);
}

describe('junk never crashes: every export throws a coded AgentIdError', () => {
  const id = createAgentIdentity();
  const resolver = createDidResolver({ timeoutMs: 500 });
  const card = makeCard('https://acme.example');

  it('canonicalizeAgentCard, signAgentCard, attachOwnershipCredential, agentCardHandler', async () => {
    for (const j of JUNK) {
      expectTyped(await outcome(() => canonicalizeAgentCard(j)));
      expectTyped(await outcome(() => signAgentCard(j, id)));
      expectTyped(await outcome(() => signAgentCard(card, j as never)));
      expectTyped(await outcome(() => signAgentCard(card, { keyId: j, keyPair: KeyPair.generate() } as never)));
      expectTyped(await outcome(() => signAgentCard(card, id, { header: j } as never)));
      expectTyped(await outcome(() => attachOwnershipCredential(j, 'a.b.c')));
      expectTyped(await outcome(() => attachOwnershipCredential(card, j as never)));
      expectTyped(await outcome(() => agentCardHandler(j)));
      expectTyped(await outcome(() => agentCardHandler(card, { maxAgeSec: j } as never)));
      expectTyped(await outcome(() => canonicalizeAgentCard(card, { maxCardBytes: j } as never)));
    }
  });

  it('verifyAgentCard and defineTrustPolicy', async () => {
    const policy = { signers: [{ did: id.did, hosts: ['*'] }] };
    for (const j of JUNK) {
      expectTyped(await outcome(() => verifyAgentCard(j, resolver, policy)));
      expectTyped(await outcome(() => verifyAgentCard(signAgentCard(card, id), j as never, policy)));
      expectTyped(await outcome(() => verifyAgentCard(signAgentCard(card, id), resolver, j as never)));
      expectTyped(await outcome(() => verifyAgentCard(signAgentCard(card, id), resolver, policy, j as never)));
      expectTyped(await outcome(() => verifyAgentCard(signAgentCard(card, id), resolver, policy, { maxSignatures: j } as never)));
      expectTyped(await outcome(() => defineTrustPolicy(j as never)));
    }
  });

  it('signers by pinned key or JWKS, createJwksCache, and junk in signature headers', async () => {
    const jwk = { ...KeyPair.generate('P-256').publicKey.toJwk(), kid: 'k1' };
    const signed = signAgentCard(card, id);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url');
    for (const j of JUNK) {
      expectTyped(await outcome(() => verifyAgentCard(signed, resolver, { signers: [{ jwk: j as never, hosts: ['*'] }] })));
      expectTyped(await outcome(() => verifyAgentCard(signed, resolver, { signers: [{ jwk: { ...jwk, kid: j } as never, hosts: ['*'] }] })));
      expectTyped(await outcome(() => verifyAgentCard(signed, resolver, { signers: [{ jwks: j as never }] })));
      expectTyped(await outcome(() => verifyAgentCard(signed, resolver, { signers: [{ jwk, hosts: ['*'], required: j as never }], strictSignatures: j as never })));
      expectTyped(await outcome(() => verifyAgentCard(signed, resolver, { signers: [{ jwk, hosts: ['*'] }] }, { jwksCache: j as never })));
      expectTyped(await outcome(() => createJwksCache(j as never)));
      expectTyped(await outcome(() => createJwksCache({ cacheTtlMs: j, timeoutMs: j, maxJwksBytes: j } as never)));
      expectTyped(await outcome(() => createJwksCache().getKey(j as never, 'k')));
      expectTyped(await outcome(() => createJwksCache().getKey('https://127.0.0.1:1/jwks.json', j as never)));
      expectTyped(await outcome(() => verifyAgentCard(signed, resolver, { signers: [{ jwk: { ...jwk, x: j } as never, hosts: ['*'] }] })));
      for (const header of [{ alg: 'ES256', kid: j }, { alg: j, kid: 'k1' }, { alg: 'ES256', kid: 'k1', typ: j }, { alg: 'ES256', kid: 'k1', jku: j }, { alg: 'ES256', kid: 'k1', crit: j }, j]) {
        let protectedB64: string;
        try {
          protectedB64 = b64(header);
        } catch {
          continue; // not JSON (a BigInt, a cycle, too deep for JSON.stringify): no header can carry it
        }
        const strict = await outcome(() =>
          verifyAgentCard({ ...card, signatures: [{ protected: protectedB64, signature: 'AA' }] }, resolver, { signers: [{ jwk, hosts: ['*'] }], strictSignatures: true }),
        );
        expect(strict).toBeInstanceOf(AgentIdError);
      }
    }
  });

  it('fetchAndVerify and serveAgentCard', async () => {
    for (const j of JUNK) {
      expectTyped(await outcome(() => fetchAndVerify(j as never, resolver, {})));
      expectTyped(await outcome(() => fetchAndVerify('https://127.0.0.1:1/', resolver, {}, { timeoutMs: j } as never)));
      expectTyped(
        await outcome(async () => {
          const s = await serveAgentCard({ host: j } as never);
          await s.close();
        }),
      );
      expectTyped(
        await outcome(async () => {
          const s = await serveAgentCard({ card: j } as never);
          await s.close();
        }),
      );
    }
  });
});
