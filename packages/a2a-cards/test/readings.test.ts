// The two canonical readings of section 8.4.1: a signature over either verifies, the verdict
// says which, and no content outside what the verifying reading signed is ever accepted.
import { createDidResolver } from '@agent-id/did';
import { expectCode } from '@agent-id/test-support';
import * as fc from 'fast-check';
import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareCard } from '../src/prepare.js';
import { type AgentCard, type TrustPolicy, signAgentCard, verifyAgentCard } from '../src/index.js';
import { makeCard } from './helpers.js';

const resolver = createDidResolver();
let privateKey: Awaited<ReturnType<typeof jose.generateKeyPair>>['privateKey'];
let policy: TrustPolicy;

beforeAll(async () => {
  const pair = await jose.generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  policy = { signers: [{ jwk: { ...(await jose.exportJWK(pair.publicKey)), kid: 'k' }, hosts: ['acme.example'] }] };
});

/** Signs the bytes of one reading with jose, as another implementation would. */
async function signReading(card: AgentCard, reading: 'prune-empty' | 'rule-1-as-written'): Promise<AgentCard> {
  const form = prepareCard(card, undefined, true).forms.find((f) => f.readings.includes(reading))!;
  const jws = await new jose.FlattenedSign(new TextEncoder().encode(form.canonical)).setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'JOSE' }).sign(privateKey);
  return { ...card, signatures: [{ protected: jws.protected!, signature: jws.signature }] };
}

const empties = fc.record({
  description: fc.constantFrom('', 'Plans trips'),
  skills: fc.constantFrom([], [{ id: 's', name: 'S', description: '', tags: [] }], [{ id: 's', name: 'S', description: 'd', tags: ['t'] }]),
  defaultInputModes: fc.constantFrom([], ['text/plain']),
  version: fc.constantFrom('', '1.0.0'),
});

describe('both canonical readings on verify', () => {
  it('property: a signature over either reading verifies and says which; changing any value refuses it under both', async () => {
    await fc.assert(
      fc.asyncProperty(empties, fc.constantFrom('prune-empty' as const, 'rule-1-as-written' as const), fc.string({ minLength: 1, maxLength: 12 }), async (fields, reading, other) => {
        const card = makeCard('https://acme.example', fields as unknown as Partial<AgentCard>);
        const prepared = prepareCard(card, undefined, true);
        fc.pre(prepared.unsigned.length === 0);
        const signed = await signReading(card, reading);
        const v = await verifyAgentCard(signed, resolver, policy);
        expect(v.signers[0]!.readings).toContain(reading);
        const same = prepared.forms.length === 1;
        expect(v.signers[0]!.readings).toHaveLength(same ? 2 : 1);
        // the verdict's card holds what was signed: empty REQUIRED fields only when the signature kept them
        const text = JSON.stringify(v.card);
        expect(text.includes('""') || text.includes('[]')).toBe(reading === 'rule-1-as-written' && !same);
        fc.pre(other !== card.name);
        await expectCode(verifyAgentCard({ ...signed, name: other }, resolver, policy), 'invalid_signature');
        if (fields.description === '') await expectCode(verifyAgentCard({ ...signed, description: other }, resolver, policy), 'invalid_signature');
      }),
      { numRuns: 60 },
    );
  });

  it('an empty REQUIRED field added or removed after signing is refused unless the other reading covers it', async () => {
    const card = makeCard('https://acme.example');
    const kept = await signReading({ ...card, description: '' }, 'rule-1-as-written');
    // dropping the empty description is the pruned form of the same card: a different reading, not covered by this signature
    const { description: _d, ...withoutDescription } = kept;
    await expectCode(verifyAgentCard(withoutDescription, resolver, policy), 'invalid_signature');
    const pruned = await signReading({ ...card, description: '' }, 'prune-empty');
    expect((await verifyAgentCard(pruned, resolver, policy)).readings).toEqual(['prune-empty']);
    // the pruned signature also covers the card without the field: the same bytes under both readings
    const { description: _p, ...prunedWithout } = pruned;
    expect((await verifyAgentCard(prunedWithout, resolver, policy)).readings).toEqual(['prune-empty', 'rule-1-as-written']);
  });

  it('a card verified again under either reading (the second read only when needed) gives the same verdict, frozen once kept, as text or object', async () => {
    const card = makeCard('https://acme.example', { description: '', skills: [] });
    for (const reading of ['rule-1-as-written', 'prune-empty'] as const) {
      const signed = await signReading(card, reading);
      const first = await verifyAgentCard(JSON.stringify(signed), resolver, policy);
      expect(first.readings).toEqual([reading]);
      expect(first.card.description === '').toBe(reading === 'rule-1-as-written');
      for (let i = 0; i < 3; i++) {
        for (const input of [signed, JSON.stringify(signed)]) {
          const again = await verifyAgentCard(input, resolver, policy);
          expect([again.readings, again.card]).toEqual([first.readings, first.card]);
          if (i > 0) expect(Object.isFrozen(again.card) && Object.isFrozen(again.card.skills)).toBe(true);
        }
      }
      // A changed byte in the field only the kept reading signs is refused under both readings.
      await expectCode(verifyAgentCard({ ...signed, description: ' ' }, resolver, policy), 'invalid_signature');
    }
  });

  it('signing uses prune-empty and refuses cards whose readings differ, so what we sign verifies under both', async () => {
    const { KeyPair } = await import('@agent-id/core');
    const { createAgentIdentity } = await import('@agent-id/did');
    const id = createAgentIdentity({ keyPair: KeyPair.generate('P-256') });
    expect(() => signAgentCard(makeCard('https://acme.example', { skills: [] }), id)).toThrow(expect.objectContaining({ code: 'malformed_input', check: 'canonical_form' }));
    const v = await verifyAgentCard(signAgentCard(makeCard('https://acme.example'), id), resolver, { signers: [{ did: id.did, hosts: ['acme.example'] }] });
    expect(v.readings).toEqual(['prune-empty', 'rule-1-as-written']);
  });
});
