import { ECDH } from 'node:crypto';
import { KeyPair } from '@agent-id/core';
import { multibaseEncode } from '@agent-id/core/internal';
import { didKeyFromPublicKey } from '@agent-id/did';
import macaroonLib from 'macaroon';
import { describe, expect, it } from 'vitest';
import { HOP_CODE, scopeParams } from '../src/biscuit/datalog.js';
import { wasmPublicKey } from '../src/biscuit/keys.js';
import { CapabilityToken, MemoryRevocationStore, attenuate, authorize, mintCapability } from '../src/index.js';
import { formatCaveat, formatIdentifier } from '../src/macaroon/caveats.js';
import { exportBinary, importBinary } from '../src/macaroon/codec.js';
import { randomId, tokenRootKey } from '../src/macaroon/keys.js';
import { addDelegation } from '../src/macaroon/mint.js';
import { validateAgentDid } from '../src/model.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { AUD, NOW, ORG, USER, agents, capability, clock, issuedAtParam, codeOf, dids, mint, orgKey, rootSecret, trust } from './helpers.js';
import { appendHopWithWasm } from './envelope.js';

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };
const narrow = { resources: ['files:/reports/*'], actions: ['read'], audience: [AUD], expiresAt: NOW + 600, maxDepth: 1 };

/** did:key of a P-256 key with its point uncompressed: a second spelling of the same key. */
function uncompressedDidKey(): string {
  const key = KeyPair.generate('P-256').publicKey;
  const point = ECDH.convertKey(Buffer.from(key.bytes), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
  return `did:key:${multibaseEncode(Uint8Array.from([0x80, 0x24, ...point]))}`;
}

const aliases = (did: string) => [`${did}#k`, `${did}#`, `${did}?service=x`, `${did}/path`, ` ${did}`];

describe('agent DIDs must be bare and canonical', () => {
  it('validateAgentDid accepts bare canonical DIDs and refuses every other spelling', () => {
    for (const ok of [dids[0]!, didKeyFromPublicKey(KeyPair.generate('P-256').publicKey), ORG, 'did:web:localhost%3A8080:agents:a', 'did:example:123']) {
      expect(validateAgentDid(ok, 'did')).toBe(ok);
    }
    const bad = [...aliases(dids[0]!), ...aliases(ORG), 'did:web:Acme.example', 'did:web:localhost%3a8080', 'did:key:z6Mk', 'did:Example:1', uncompressedDidKey(), 'agent-1'];
    for (const did of bad) expect(() => validateAgentDid(did, 'did'), did).toThrow(expect.objectContaining({ code: 'malformed_input' }));
  });

  describe.each(['biscuit', 'macaroon'] as const)('%s', (format) => {
    it('mint refuses a holder or issuer that is not a bare canonical DID', async () => {
      for (const holder of [...aliases(dids[0]!), uncompressedDidKey()]) expect(await codeOf(mint(format, { holder }))).toBe('malformed_input');
      const options = format === 'biscuit' ? { format, rootKey: orgKey, issuer: `${ORG}#org` } : { format, rootSecret, issuer: `${ORG}#org` };
      expect(await codeOf(mintCapability(capability(), options))).toBe('malformed_input');
    });

    it('attenuate refuses a delegate DID with a fragment, query or second encoding', async () => {
      const token = await mint(format);
      for (const to of [...aliases(dids[1]!), uncompressedDidKey()]) {
        expect(await codeOf(attenuate(token, { clock, to, signer: agents[0]!, trustedRoots: orgKey.publicKey }))).toBe('malformed_input');
      }
      // The bare DID still works, and revoking it by that DID holds.
      const ok = await attenuate(token, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey });
      const store = new MemoryRevocationStore();
      await store.revoke({ kind: 'agent', did: dids[1]! });
      expect(await codeOf(authorize(ok, { request, presenter: dids[1]!, clock, ...trust(format), revocations: store }))).toBe('revoked');
    });
  });

  it('Biscuit: a hand-signed hop to a fragment DID is refused at authorize (malformed_input), so agent revocation cannot be escaped', async () => {
    const craft = (token: CapabilityToken, params: Record<string, unknown>, signer: number) => appendHopWithWasm(token, HOP_CODE, params, signer);
    const token = await mint('biscuit');
    const rootId = (await authorize(token, { request, presenter: dids[0]!, clock, trustedRoots: orgKey.publicKey })).revocationIds[0];
    // Agent 0 delegates to "agent 1#k" (as agent 1 asked it to), bypassing attenuate.
    const toAlias = await craft(token, { index: 1, from: dids[0], to: `${dids[1]}#k`, previous: { bytes: rootId }, issued_at: issuedAtParam, ...scopeParams(narrow) }, 0);
    const opts = (presenter: string) => ({ request, presenter, clock, trustedRoots: orgKey.publicKey });
    expect(await codeOf(authorize(toAlias, opts(`${dids[1]}#k`)))).toBe('malformed_input');
    expect(await codeOf(attenuate(toAlias, { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey }))).toBe('malformed_input');
    // ... and agent 1, signing with its own key as "agent 1#k", hands it on: still refused
    // (the revocation store would match "agent 1" exactly, and only that spelling).
    const store = new MemoryRevocationStore();
    await store.revoke({ kind: 'agent', did: dids[1]! });
    const hop1Id = await withBiscuit((glue) => {
      const root = wasmPublicKey(glue, orgKey.publicKey);
      const biscuit = glue.Biscuit.fromBytes(toAlias.toBytes(), root);
      const ids = biscuit.getRevocationIdentifiers() as string[];
      biscuit.free();
      root.free();
      return ids[1]!;
    });
    const onward = await craft(toAlias, { index: 2, from: `${dids[1]}#k`, to: dids[2], previous: { bytes: hop1Id }, issued_at: issuedAtParam, ...scopeParams({ ...narrow, maxDepth: 0 }) }, 1);
    expect(await codeOf(authorize(onward, { ...opts(dids[2]!), revocations: store }))).toBe('malformed_input');
  });

  it('Macaroon: a signed hop or capability naming a fragment DID is refused at authorize (malformed_input)', async () => {
    const opts = (presenter: string) => ({ request, presenter, clock, rootSecrets: rootSecret });
    const token = await mint('macaroon');
    const m = importBinary(token.toBytes());
    addDelegation(m, { actions: ['read'], audience: [AUD], expires_at: NOW + 600, from: dids[0]!, id: randomId(), index: 1, issued_at: NOW, max_depth: 1, resources: ['files:/reports/*'], to: `${dids[1]}#k` }, agents[0]!);
    const toAlias = CapabilityToken.fromBytes('macaroon', exportBinary(m));
    expect(await codeOf(authorize(toAlias, opts(`${dids[1]}#k`)))).toBe('malformed_input');
    expect(await codeOf(attenuate(toAlias, { clock, to: dids[2]!, signer: agents[1]! }))).toBe('malformed_input');
    addDelegation(m, { actions: ['read'], audience: [AUD], expires_at: NOW + 600, from: `${dids[1]}#k`, id: randomId(), index: 2, issued_at: NOW, max_depth: 0, resources: ['files:/reports/*'], to: dids[2]! }, agents[1]!);
    const store = new MemoryRevocationStore();
    await store.revoke({ kind: 'agent', did: dids[1]! });
    expect(await codeOf(authorize(CapabilityToken.fromBytes('macaroon', exportBinary(m)), { ...opts(dids[2]!), revocations: store }))).toBe('malformed_input');
    // The org's own capability caveat naming a fragment holder is refused the same way.
    const tid = randomId();
    const crafted = macaroonLib.newMacaroon({ identifier: formatIdentifier({ kid: rootSecret.id, tid }), rootKey: tokenRootKey(rootSecret.secret, tid), version: 2 });
    const cap = capability({ holder: `${dids[0]}#k` });
    crafted.addFirstPartyCaveat(
      formatCaveat({
        name: 'capability',
        value: { actions: [...cap.actions], audience: [...cap.audience], expires_at: cap.expiresAt, holder: cap.holder, issued_at: NOW, issuer: ORG, max_depth: cap.maxDepth, on_behalf_of: USER, resources: [...cap.resources], task: cap.task },
      }),
    );
    expect(await codeOf(authorize(CapabilityToken.fromBytes('macaroon', exportBinary(crafted)), opts(`${dids[0]}#k`)))).toBe('malformed_input');
  });
});
