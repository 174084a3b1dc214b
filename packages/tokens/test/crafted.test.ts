import { base64urlEncode } from '@agent-id/core';
import macaroonLib from 'macaroon';
import { describe, expect, it } from 'vitest';
import { HOP_CODE, scopeParams } from '../src/biscuit/datalog.js';
import { CapabilityToken, authorize, verifyChain } from '../src/index.js';
import { formatCaveat } from '../src/macaroon/caveats.js';
import { exportBinary } from '../src/macaroon/codec.js';
import { randomId } from '../src/macaroon/keys.js';
import { hopSigningInput } from '../src/macaroon/read.js';
import { AUD, NOW, agents, chainOf, clock, issuedAtParam, codeOf, dids, orgKey, rootSecret } from './helpers.js';
import { appendHopWithWasm, appendWithWasm } from './envelope.js';

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };
const wide = { resources: ['files:/*'], actions: ['read', 'write', 'delete'], audience: [AUD], expiresAt: NOW + 9999, maxDepth: 9 };

describe('hand-crafted widening is rejected at verification', () => {
  it('Biscuit: a delegator-signed block that widens fails with scope_widened', async () => {
    const token = await chainOf('biscuit', 1);
    const ids = (await authorize(token, { request, presenter: dids[1]!, clock, trustedRoots: orgKey.publicKey })).blockRevocationIds;
    // Agent 1 signs a hop to agent 2 with a wider scope (the hop template, its check as wide), bypassing attenuate.
    const params = { index: 2, from: dids[1], to: dids[2], previous: { bytes: ids[1] }, issued_at: issuedAtParam, ...scopeParams(wide) };
    const crafted = await appendHopWithWasm(token, HOP_CODE, params, 1);
    expect(await codeOf(authorize(crafted, { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey }))).toBe('scope_widened');
    expect(await codeOf(authorize(crafted, { request: { ...request, action: 'delete' }, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey }))).toBe('scope_widened');
    // The same hop without its check is not the template: refused before anything else is read from it.
    const unchecked = await appendHopWithWasm(token, 'hop({index}, {from}, {to}, {previous}, {issued_at}); hop_scope({index}, {exact}, {prefixes}, {actions}, {audience}, {expires}, {depth});', params, 1);
    expect(await codeOf(authorize(unchecked, { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey }))).toBe('malformed_input');
  });

  it('Biscuit: a delegator-signed hop whose scope core refuses (an empty set) is malformed_input, not a quiet denial', async () => {
    const token = await chainOf('biscuit', 1);
    const ids = (await authorize(token, { request, presenter: dids[1]!, clock, trustedRoots: orgKey.publicKey })).blockRevocationIds;
    const narrow = { resources: ['files:/reports/*'], actions: ['read'], audience: [AUD], expiresAt: NOW + 60, maxDepth: 0 };
    const params = { index: 2, from: dids[1], to: dids[2], previous: { bytes: ids[1] }, issued_at: issuedAtParam, ...scopeParams(narrow), actions: { set: [] } };
    const crafted = await appendHopWithWasm(token, HOP_CODE, params, 1);
    await expect(authorize(crafted, { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'scope' });
    await expect(verifyChain(crafted, { trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'scope' });
  });

  it('Biscuit: a hop signed by someone other than the holder fails', async () => {
    const token = await chainOf('biscuit', 1);
    const ids = (await authorize(token, { request, presenter: dids[1]!, clock, trustedRoots: orgKey.publicKey })).blockRevocationIds;
    const params = { index: 2, from: dids[1], to: dids[6], previous: { bytes: ids[1] }, issued_at: issuedAtParam, ...scopeParams({ ...wide, resources: ['files:/reports/*'], actions: ['read'], expiresAt: NOW + 60, maxDepth: 0 }) };
    const forged = await appendHopWithWasm(token, HOP_CODE, params, 6);
    expect(await codeOf(authorize(forged, { request, presenter: dids[6]!, clock, trustedRoots: orgKey.publicKey }))).toBe('invalid_signature');
    // Appended as a first-party block (no delegator's signature): a block stating a fact
    // is not a holder's block of checks, so it is refused before anything is read from it.
    const unsigned = await appendWithWasm(token, HOP_CODE, params);
    await expect(authorize(unsigned, { request, presenter: dids[6]!, clock, trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'check_block' });
  });

  it('Biscuit: a hop not bound to the previous block fails', async () => {
    const token = await chainOf('biscuit', 1);
    const params = { index: 2, from: dids[1], to: dids[2], previous: { bytes: '00'.repeat(64) }, issued_at: issuedAtParam, ...scopeParams({ ...wide, resources: ['files:/reports/*'], actions: ['read'], expiresAt: NOW + 60, maxDepth: 0 }) };
    const crafted = await appendHopWithWasm(token, HOP_CODE, params, 1);
    expect(await codeOf(authorize(crafted, { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey }))).toBe('malformed_input');
  });

  it('Macaroon: a properly signed delegation caveat that widens fails with scope_widened', async () => {
    const token = await chainOf('macaroon', 1);
    const m = macaroonLib.importMacaroon(token.toBytes());
    const hop = { actions: wide.actions, audience: wide.audience, expires_at: wide.expiresAt, from: dids[1]!, id: randomId(), index: 2, issued_at: NOW, max_depth: 3, resources: wide.resources, to: dids[2]! };
    const sig = base64urlEncode(agents[1]!.sign(hopSigningInput(hop, m.signature)));
    m.addFirstPartyCaveat(formatCaveat({ name: 'delegation', value: { ...hop, sig } }));
    const crafted = CapabilityToken.fromBytes('macaroon', exportBinary(m));
    expect(await codeOf(authorize(crafted, { request, presenter: dids[2]!, clock, rootSecrets: rootSecret }))).toBe('scope_widened');
  });

  it('Macaroon: a properly signed hop whose id is not in the form this package writes is refused (it could never be revoked by id)', async () => {
    const token = await chainOf('macaroon', 1);
    for (const id of ['crafted', ` ${randomId()}`, `${randomId()}==`, 'ab'.repeat(64).toUpperCase()]) {
      const m = macaroonLib.importMacaroon(token.toBytes());
      const hop = { actions: ['read'], audience: [AUD], expires_at: NOW + 60, from: dids[1]!, id, index: 2, issued_at: NOW, max_depth: 0, resources: ['files:/reports/*'], to: dids[2]! };
      const sig = base64urlEncode(agents[1]!.sign(hopSigningInput(hop, m.signature)));
      m.addFirstPartyCaveat(formatCaveat({ name: 'delegation', value: { ...hop, sig } }));
      const crafted = CapabilityToken.fromBytes('macaroon', exportBinary(m));
      await expect(authorize(crafted, { request, presenter: dids[2]!, clock, rootSecrets: rootSecret }), id).rejects.toMatchObject({ code: 'malformed_input', check: 'revocation_id' });
    }
  });

  it('Macaroon: an unknown caveat is denied, a non-canonical one malformed', async () => {
    const token = await chainOf('macaroon', 1);
    const m = macaroonLib.importMacaroon(token.toBytes());
    const unknown = m.clone();
    unknown.addFirstPartyCaveat('allow = true');
    expect(await codeOf(authorize(CapabilityToken.fromBytes('macaroon', exportBinary(unknown)), { request, presenter: dids[1]!, clock, rootSecrets: rootSecret }))).toBe('denied');
    const spaced = m.clone();
    spaced.addFirstPartyCaveat('expires_at =  5');
    expect(await codeOf(authorize(CapabilityToken.fromBytes('macaroon', exportBinary(spaced)), { request, presenter: dids[1]!, clock, rootSecrets: rootSecret }))).toBe('malformed_input');
  });

  it('Macaroon binary export round-trips many caveats (macaroon 3.0.4 exportBinary bug)', () => {
    const m = macaroonLib.newMacaroon({ identifier: 'id', rootKey: new Uint8Array(32), version: 2 });
    for (let i = 0; i < 200; i++) m.addFirstPartyCaveat(`expires_at = ${i}`);
    const bytes = exportBinary(m);
    const back = macaroonLib.importMacaroon(bytes);
    expect(back.caveats).toHaveLength(200);
    expect(Buffer.from(back.signature).equals(Buffer.from(m.signature))).toBe(true);
  });
});
