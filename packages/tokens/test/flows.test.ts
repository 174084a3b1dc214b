import { inspect as utilInspect } from 'node:util';
import { KeyPair } from '@agent-id/core';
import { describe, expect, it } from 'vitest';
import { CapabilityToken, MemoryRevocationStore, attenuate, authorize, inspectToken, mintCapability } from '../src/index.js';
import { AUD, NOW, ORG, USER, agents, chainOf, clock, codeOf, dids, mint, orgKey, rootSecret, trust } from './helpers.js';

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'task-q3' };

describe.each(['biscuit', 'macaroon'] as const)('%s', (format) => {
  const auth = (token: CapabilityToken | string, over: Record<string, unknown> = {}) =>
    authorize(token, { request, presenter: dids[3]!, clock, ...trust(format), ...over });

  it('mint → attenuate ×3 → authorize returns the chain and both principals', async () => {
    let token = await mint(format);
    token = await attenuate(token, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, narrowing: { actions: ['read'] } });
    token = await attenuate(token, { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey, narrowing: { resources: ['files:/reports/*'] } });
    token = await attenuate(token, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey, narrowing: { expiresAt: NOW + 600 } });
    const result = await auth(token.serialize());
    expect(result.format).toBe(format);
    expect(result.agent).toBe(dids[3]);
    expect(result.onBehalfOf).toBe(USER);
    expect(result.issuer).toBe(ORG);
    expect(result.chain.map((h) => [h.from, h.to])).toEqual([
      [ORG, dids[0]],
      [dids[0], dids[1]],
      [dids[1], dids[2]],
      [dids[2], dids[3]],
    ]);
    expect(result.chain[1]!.granted.actions).toEqual(['read']);
    expect(result.effective).toMatchObject({ actions: ['read'], resources: ['files:/reports/*'], expiresAt: NOW + 600, maxDepth: 1 });
    expect(result.record).toMatchObject({ agent: dids[3], onBehalfOf: USER, decision: 'allow', resource: request.resource, verifier: AUD });
    expect(result.revocationIds).toHaveLength(4);
    // Narrowed away at hop 1 and 2:
    expect(await codeOf(auth(token, { request: { ...request, action: 'write' } }))).toBe('denied');
    expect(await codeOf(auth(token, { request: { ...request, resource: 'db:orders' } }))).toBe('denied');
  });

  it('tokens never show their bytes in strings, JSON or inspect', async () => {
    const token = await mint(format);
    const secret = token.serialize();
    for (const shown of [String(token), JSON.stringify(token), utilInspect(token), JSON.stringify({ token })]) expect(shown).not.toContain(secret.slice(0, 24));
  });

  it('refuses widening before producing a token', async () => {
    const token = await mint(format);
    const at = (narrowing: Record<string, unknown>) => codeOf(attenuate(token, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, narrowing }));
    expect(await at({ resources: ['files:/*'] })).toBe('scope_widened');
    expect(await at({ actions: ['delete'] })).toBe('scope_widened');
    expect(await at({ audience: ['did:web:other.example'] })).toBe('scope_widened');
    expect(await at({ expiresAt: NOW + 7200 })).toBe('scope_widened');
    expect(await at({ maxDepth: 4 })).toBe('scope_widened');
    const flat = await mint(format, { maxDepth: 0 });
    expect(await codeOf(attenuate(flat, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey }))).toBe('depth_exceeded');
  });

  it('only the holder can attenuate', async () => {
    const token = await mint(format);
    expect(await codeOf(attenuate(token, { clock, to: dids[2]!, signer: agents[5]!, trustedRoots: orgKey.publicKey }))).toBe('holder_mismatch');
  });

  it('maps every bad input to its code', async () => {
    const token = await chainOf(format, 3);
    const text = token.serialize();
    expect(await codeOf(auth('!!!not base64'))).toBe('malformed_input');
    expect(await codeOf(auth(''))).toBe('malformed_input');
    expect(await codeOf(auth(text.slice(0, text.length - 9)))).toMatch(/malformed_input|invalid_signature/);
    expect(await codeOf(auth('A'.repeat(20_000)))).toBe('input_too_large');
    expect(await codeOf(auth(text, { limits: { maxTokenChars: 100 } }))).toBe('input_too_large');
    const wrongTrust = format === 'biscuit' ? { trustedRoots: KeyPair.generate().publicKey } : { rootSecrets: { ...rootSecret, secret: new Uint8Array(32).fill(1) } };
    expect(await codeOf(auth(text, wrongTrust))).toBe('invalid_signature');
    expect(await codeOf(auth(text, { clock: () => (NOW + 3600) * 1000 }))).toBe('expired');
    expect(await codeOf(auth(text, { request: { ...request, audience: 'did:web:evil.example' } }))).toBe('wrong_audience');
    expect(await codeOf(auth(text, { request: { ...request, task: 'other-task' } }))).toBe('wrong_task');
    expect(await codeOf(auth(text, { presenter: dids[2]! }))).toBe('holder_mismatch');
    expect(await codeOf(auth(text, { request: { ...request, action: 'delete' } }))).toBe('denied');
    // A request without a task is decided on the rest.
    const { task: _t, ...noTask } = request;
    await expect(auth(text, { request: noTask })).resolves.toBeTruthy();
  });

  it('a tampered byte in any block is refused with a code', async () => {
    const token = await chainOf(format, 2);
    const bytes = token.toBytes();
    for (const at of [5, Math.floor(bytes.length / 2), bytes.length - 5]) {
      const copy = Uint8Array.from(bytes);
      copy[at]! ^= 0x01;
      const code = await codeOf(auth(CapabilityToken.fromBytes(format, copy), { presenter: dids[2]! }));
      expect(['malformed_input', 'invalid_signature', 'denied']).toContain(code);
    }
  });

  it('depth limits hold', async () => {
    const token = await chainOf(format, 2, { maxDepth: 2 });
    expect(await codeOf(attenuate(token, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey }))).toBe('depth_exceeded');
    expect(await codeOf(auth(token, { presenter: dids[2]! }))).toBe('passed');
  });

  it('revocation at each granularity', async () => {
    const token = await chainOf(format, 3);
    const { revocationIds } = await auth(token);
    const sibling = await attenuate(await chainOf(format, 1), { clock, to: dids[5]!, signer: agents[1]!, trustedRoots: orgKey.publicKey });

    const hop = new MemoryRevocationStore();
    await hop.revoke({ kind: 'token', id: revocationIds[2]! });
    expect(await codeOf(auth(token, { revocations: hop }))).toBe('revoked');
    // Revoking hop 2 leaves a token derived only from hop 1 alone.
    expect(await codeOf(auth(sibling, { revocations: hop, presenter: dids[5]! }))).toBe('passed');

    const root = new MemoryRevocationStore();
    await root.revoke({ kind: 'token', id: revocationIds[0]! });
    expect(await codeOf(auth(token, { revocations: root }))).toBe('revoked');

    const agent = new MemoryRevocationStore();
    await agent.revoke({ kind: 'agent', did: dids[1]! });
    expect(await codeOf(auth(token, { revocations: agent }))).toBe('revoked');
    expect(await codeOf(auth(sibling, { revocations: agent, presenter: dids[5]! }))).toBe('revoked');

    const user = new MemoryRevocationStore();
    await user.revoke({ kind: 'principal', id: USER });
    expect(await codeOf(auth(token, { revocations: user }))).toBe('revoked');
    const other = await chainOf(format, 3, { onBehalfOf: 'did:web:acme.example:users:bob' });
    expect(await codeOf(auth(other, { revocations: user }))).toBe('passed');
  });

  it('Datalog or caveat syntax in values is data, not code', async () => {
    const evil = 'x"); allow if true; -- ';
    const token = await chainOf(format, 1, { resources: [evil, `files:${evil}*`], task: evil });
    const ok = await auth(token, { presenter: dids[1]!, request: { ...request, resource: evil, task: evil } });
    expect(ok.chain[0]!.granted.resources).toContain(evil);
    expect(await codeOf(auth(token, { presenter: dids[1]!, request: { ...request, resource: 'x', task: evil } }))).toBe('denied');
    expect(await codeOf(auth(token, { presenter: dids[1]!, request: { ...request, resource: `files:${evil}/a`, task: evil } }))).toBe('passed');
  });

  it('inspect shows every block and says it is unverified', async () => {
    const token = await chainOf(format, 2);
    const view = await inspectToken(token, { trustedRoots: orgKey.publicKey });
    expect(view.verified).toBe(false);
    expect(view.text).toContain('UNVERIFIED');
    expect(view.chain).toHaveLength(3);
    expect(view.blocks).toHaveLength(3);
    expect(view.text).toContain(dids[2]);
  });

  it('inspect without a root key gives the same unverified chain and revocation ids (no Datalog printed)', async () => {
    const token = await chainOf(format, 2);
    const withRoot = await inspectToken(token, { trustedRoots: orgKey.publicKey });
    const bare = await inspectToken(token);
    expect(bare.verified).toBe(false);
    expect(bare.chain).toEqual(withRoot.chain);
    expect(bare.blocks.map((b) => [b.index, b.kind, b.revocationId])).toEqual(withRoot.blocks.map((b) => [b.index, b.kind, b.revocationId]));
    expect(bare.text).toContain('UNVERIFIED');
    if (format === 'biscuit') expect(bare.blocks.every((b) => b.source.length === 1 && b.source[0]!.includes('root key'))).toBe(true);
  });

  it('refuses an invalid capability at mint', async () => {
    expect(await codeOf(mint(format, { resources: [] }))).toBe('malformed_input');
    expect(await codeOf(mint(format, { expiresAt: 1.5 }))).toBe('malformed_input');
    expect(await codeOf(mint(format, { maxDepth: -1 }))).toBe('malformed_input');
  });
});

describe('format-specific trust', () => {
  it('a verifier without the format configured refuses with untrusted_issuer', async () => {
    const b = await mint('biscuit');
    const m = await mint('macaroon');
    expect(await codeOf(authorize(b, { request, presenter: dids[0]!, clock, rootSecrets: rootSecret }))).toBe('untrusted_issuer');
    expect(await codeOf(authorize(m, { request, presenter: dids[0]!, clock, trustedRoots: orgKey.publicKey }))).toBe('untrusted_issuer');
  });

  it('Biscuit agents may be P-256; a P-256 root is refused with unsupported_algorithm', async () => {
    const p256Org = KeyPair.generate('P-256');
    const p256Agent = KeyPair.generate('P-256');
    const { didKeyFromPublicKey } = await import('@agent-id/did');
    const agentDid = didKeyFromPublicKey(p256Agent.publicKey);
    const cap = { resources: ['r'], actions: ['a'], audience: [AUD], expiresAt: NOW + 60, maxDepth: 2, holder: agentDid, onBehalfOf: USER, task: 't' };
    // The root's ECDSA signature would be hop 0's revocation id, and ECDSA is malleable.
    expect(await codeOf(mintCapability(cap, { format: 'biscuit', rootKey: p256Org }))).toBe('unsupported_algorithm');
    let token = await mintCapability(cap, { format: 'biscuit', rootKey: orgKey });
    token = await attenuate(token, { clock, to: dids[1]!, signer: p256Agent, trustedRoots: orgKey.publicKey });
    const authorizeWith = (trustedRoots: KeyPair['publicKey'] | KeyPair['publicKey'][]) =>
      authorize(token, { request: { resource: 'r', action: 'a', audience: AUD }, presenter: dids[1]!, clock, trustedRoots });
    const result = await authorizeWith(orgKey.publicKey);
    expect(result.chain).toHaveLength(2);
    expect(await codeOf(authorizeWith(p256Org.publicKey))).toBe('unsupported_algorithm');
    expect(await codeOf(authorizeWith([p256Org.publicKey, orgKey.publicKey]))).toBe('unsupported_algorithm');
    expect(await codeOf(attenuate(token, { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: p256Org.publicKey }))).toBe('unsupported_algorithm');
  });
});

describe('inspect output', () => {
  it('shows control characters escaped, so token text cannot forge lines', async () => {
    const token = await mint('macaroon', { task: 'q3\nchain:\n  0. did:web:evil -> did:web:evil\u001b[2J' });
    const view = await inspectToken(token);
    expect(view.text).toContain('q3\\u000achain:\\u000a');
    expect(view.text).not.toContain('\u001b');
    expect(view.text.split('\n').filter((l) => l.startsWith('task:'))).toHaveLength(1);
  });
});
