import { writeFileSync } from 'node:fs';
import { type Scope, narrowScope } from '@agent-id/core';
import { expect, it } from 'vitest';
import { type CapabilityToken, attenuate, authorize, bindDischarge, dischargeThirdPartyCaveat, inspectToken, mintCapability } from '../../../src/index.js';
import {
  AGENT_NAMES,
  type AgentName,
  AUDIENCE,
  CAPABILITY,
  DISCHARGE_EXPIRES_AT,
  ISSUER,
  NOW,
  PARTNER,
  ROOT_SECRET,
  SHAPES,
  TASK,
  agentType,
  denialsOf,
  issuedAtOf,
  testKey,
  testSecret,
} from './shapes.js';

/*
 * Regenerates vectors.json: new tokens of every shape (their bytes change on every run:
 * Biscuit block keys and Macaroon ids are random), after checking that today's code gives
 * each the answers stated by hand in shapes.ts. Never run in CI: it is not a *.test.ts
 * file, and runs only with its own config (see README.md here). Regenerating is a
 * decision: commit the new vectors with the reason the format changed.
 */

const clock = () => NOW * 1000;
const root = testKey('organisation root (Ed25519)');
const agents = Object.fromEntries(AGENT_NAMES.map((name) => [name, testKey(`agent ${name}`, agentType(name))])) as Record<AgentName, ReturnType<typeof testKey>>;
const rootSecret = { id: ROOT_SECRET.id, secret: testSecret(ROOT_SECRET.label) };
const partnerSecret = testSecret(PARTNER.label);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

it('regenerates the known-answer vectors', async () => {
  const vectors = [];
  for (const shape of SHAPES) {
    const capability = { ...CAPABILITY, holder: agents[shape.holder].key.did };
    const madeAt = (index: number) => () => issuedAtOf(index) * 1000;
    let token: CapabilityToken =
      shape.format === 'biscuit'
        ? await mintCapability(capability, { format: 'biscuit', rootKey: root.pair, issuer: ISSUER, clock: madeAt(0) })
        : await mintCapability(capability, { format: 'macaroon', rootSecret, issuer: ISSUER, clock: madeAt(0) });
    // The chain expected, from the inputs alone.
    const expected = [{ from: ISSUER, to: capability.holder, granted: scopeOf(capability), issuedAt: issuedAtOf(0) }];
    for (const [i, hop] of shape.hops.entries()) {
      const thirdPartyCaveats = hop.thirdParty ? [{ location: PARTNER.location, keyId: PARTNER.keyId, secret: partnerSecret, condition: PARTNER.condition }] : [];
      token = await attenuate(token, {
        to: agents[hop.to].key.did,
        signer: agents[hop.from].pair,
        trustedRoots: root.pair.publicKey,
        clock: madeAt(i + 1),
        ...(hop.narrowing ? { narrowing: hop.narrowing } : {}),
        ...(thirdPartyCaveats.length > 0 ? { thirdPartyCaveats } : {}),
      });
      expected.push({ from: agents[hop.from].key.did, to: agents[hop.to].key.did, granted: narrowScope(expected.at(-1)!.granted, hop.narrowing ?? {}), issuedAt: issuedAtOf(i + 1) });
    }
    const discharges: string[] = [];
    for (const caveat of (await inspectToken(token, { trustedRoots: root.pair.publicKey })).thirdPartyCaveats) {
      const discharge = await dischargeThirdPartyCaveat(caveat.caveatId, { keyId: PARTNER.keyId, secret: partnerSecret, expiresAt: DISCHARGE_EXPIRES_AT, confirm: () => true });
      discharges.push(bindDischarge(token, discharge).serialize());
    }
    const presenter = expected.at(-1)!.to;
    const trust = shape.format === 'biscuit' ? { trustedRoots: root.pair.publicKey } : { rootSecrets: rootSecret, discharges };
    const request = { ...shape.allowed, audience: AUDIENCE, task: TASK };
    const result = await authorize(token, { request, presenter, clock, ...trust });
    // (Order within a list is the format's: Biscuit reads its sets sorted, exact names first.)
    expect(result.chain.map(sorted)).toEqual(expected.map(sorted));
    const { record: _record, ...answer } = result;
    const other = agents[shape.holder === 'orchestrator' && shape.hops.length > 0 ? 'orchestrator' : 'researcher'].key.did;
    const denied = denialsOf(shape, result.effective, other);
    for (const d of denied) {
      const options = { request: d.request, presenter: d.presenter ?? presenter, clock: () => (d.at ?? NOW) * 1000, ...trust, ...(d.withoutDischarges ? { discharges: [] } : {}) };
      await expect(authorize(token, options), `${shape.name}: ${d.why}`).rejects.toMatchObject({ code: d.code, check: d.check });
    }
    vectors.push({ name: shape.name, format: shape.format, token: token.serialize(), discharges, presenter, allowed: { request, result: answer }, denied });
  }
  const file = {
    about:
      'Known-answer tokens of every shape @agent-id/tokens writes, with the answers today’s code gives them at `now`. Test keys only. Regenerate only on purpose: see README.md.',
    now: NOW,
    keys: {
      root: root.key,
      agents: Object.values(agents).map((a) => a.key),
      macaroonRootSecret: { id: rootSecret.id, label: ROOT_SECRET.label, secret: hex(rootSecret.secret) },
      partner: { location: PARTNER.location, keyId: PARTNER.keyId, condition: PARTNER.condition, label: PARTNER.label, secret: hex(partnerSecret) },
    },
    vectors,
  };
  writeFileSync(new URL('./vectors.json', import.meta.url), `${JSON.stringify(file, null, 2)}\n`);
});

function sorted(hop: { from: string; to: string; granted: Scope; issuedAt?: number }) {
  const g = hop.granted;
  return { ...hop, granted: { ...g, resources: [...g.resources].sort(), actions: [...g.actions].sort(), audience: [...g.audience].sort() } };
}

function scopeOf(s: Scope): Scope {
  return { resources: [...s.resources], actions: [...s.actions], audience: [...s.audience], expiresAt: s.expiresAt, maxDepth: s.maxDepth };
}
