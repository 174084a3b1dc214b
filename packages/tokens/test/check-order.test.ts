import { KeyPair, base64urlEncode } from '@agent-id/core';
import macaroonLib from 'macaroon';
import { describe, expect, it } from 'vitest';
import { datalogRuns } from '../src/biscuit/authorize.js';
import { HOP_CODE, scopeParams } from '../src/biscuit/datalog.js';
import {
  type AuthorizeOptions,
  CapabilityToken,
  MemoryRevocationStore,
  attenuate,
  authorize,
  bindDischarge,
  dischargeThirdPartyCaveat,
  inspectToken,
  mintCapability,
} from '../src/index.js';
import { formatCaveat } from '../src/macaroon/caveats.js';
import { exportBinary } from '../src/macaroon/codec.js';
import { randomId } from '../src/macaroon/keys.js';
import { hopSigningInput } from '../src/macaroon/read.js';
import { appendHopWithWasm, appendWithWasm } from './envelope.js';
import { AUD, NOW, ORG, agents, capability, chainOf, clock, dids, issuedAtParam, orgKey, rootSecret, trust } from './helpers.js';

// authorize's check order, as its TSDoc and the README state it: for each adjacent pair of
// checks, a request failing both is refused by the first.

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'task-q3' };
const wide = { resources: ['files:/*'], actions: ['read', 'write', 'delete'], audience: [AUD], expiresAt: NOW + 9999, maxDepth: 9 };

async function refusal(token: CapabilityToken | string, options: Partial<AuthorizeOptions> & Record<string, unknown>): Promise<{ code: string; check: string }> {
  try {
    await authorize(token, { request, presenter: dids[1]!, clock, ...options } as AuthorizeOptions);
  } catch (error) {
    const e = error as { code?: string; check?: string };
    return { code: e.code ?? `uncoded: ${String(error)}`, check: e.check ?? '' };
  }
  return { code: 'passed', check: '' };
}

/** A Biscuit whose hop 2 (agent 1 → agent 2) widens hop 1, as its template or without its check. */
async function widenedBiscuit(template: boolean): Promise<CapabilityToken> {
  const token = await chainOf('biscuit', 1);
  const ids = (await authorize(token, { request, presenter: dids[1]!, clock, ...trust('biscuit') })).blockRevocationIds;
  const params = { index: 2, from: dids[1], to: dids[2], previous: { bytes: ids[1] }, issued_at: issuedAtParam, ...scopeParams(wide) };
  const code = template ? HOP_CODE : 'hop({index}, {from}, {to}, {previous}, {issued_at}); hop_scope({index}, {exact}, {prefixes}, {actions}, {audience}, {expires}, {depth});';
  return appendHopWithWasm(token, code, params, 1);
}

/** A Macaroon whose last hop (agent `from` → agent `from + 1`) widens its parent, properly signed. */
function widenedMacaroon(token: CapabilityToken, from: number): CapabilityToken {
  const m = macaroonLib.importMacaroon(token.toBytes());
  const hop = { actions: wide.actions, audience: wide.audience, expires_at: wide.expiresAt, from: dids[from]!, id: randomId(), index: from + 1, issued_at: NOW, max_depth: 3, resources: wide.resources, to: dids[from + 1]! };
  const sig = base64urlEncode(agents[from]!.sign(hopSigningInput(hop, m.signature)));
  m.addFirstPartyCaveat(formatCaveat({ name: 'delegation', value: { ...hop, sig } }));
  return CapabilityToken.fromBytes('macaroon', exportBinary(m));
}

/** The token with a first-party restriction that no longer holds at NOW, appended with the format's own library. */
async function withFailingCheck(format: 'biscuit' | 'macaroon', token: CapabilityToken): Promise<CapabilityToken> {
  const limit = new Date(NOW * 1000).toISOString().replace('.000Z', 'Z');
  if (format === 'biscuit') return appendWithWasm(token, `check if time($t), $t < ${limit};`);
  const m = macaroonLib.importMacaroon(token.toBytes());
  m.addFirstPartyCaveat(`time < ${limit}`);
  return CapabilityToken.fromBytes('macaroon', exportBinary(m));
}

describe('authorize: the documented check order, pair by pair', () => {
  it('1 request shape before 2 token size', async () => {
    expect(await refusal('!'.repeat(20_000), { ...trust('biscuit'), request: { ...request, action: '' } })).toEqual({ code: 'malformed_input', check: 'request' });
  });

  it('2 size before encoding', async () => {
    expect(await refusal('!'.repeat(20_000), trust('biscuit'))).toMatchObject({ code: 'input_too_large' });
  });

  it('2 encoding before 3 trusted roots', async () => {
    expect(await refusal('!!!not base64', {})).toMatchObject({ code: 'malformed_input', check: 'parse' });
  });

  it('3 a root for the issuer before 4 signatures (Biscuit)', async () => {
    const stranger = await mintCapability(capability({ holder: dids[1]! }), { format: 'biscuit', rootKey: KeyPair.generate(), issuer: 'did:web:globex.example' });
    expect(await refusal(stranger, { trustedRoots: [] })).toEqual({ code: 'untrusted_issuer', check: 'root_key' });
    expect(await refusal(stranger, { trustedRoots: [{ issuer: ORG, publicKey: orgKey.publicKey }] })).toEqual({ code: 'untrusted_issuer', check: 'root_issuer' });
  });

  it('3 a root for the issuer before 4 signatures (Macaroon)', async () => {
    const wrongSecret = { ...rootSecret, secret: new Uint8Array(32).fill(5) };
    const stranger = await mintCapability(capability({ holder: dids[1]! }), { format: 'macaroon', rootSecret: wrongSecret, issuer: 'did:web:globex.example' });
    expect(await refusal(stranger, { rootSecrets: [] })).toEqual({ code: 'untrusted_issuer', check: 'root_key' });
    expect(await refusal(stranger, { rootSecrets: { ...rootSecret, issuer: ORG } })).toEqual({ code: 'untrusted_issuer', check: 'root_issuer' });
  });

  it('Macaroon: 2 the caveat language before 4 signatures', async () => {
    const m = macaroonLib.importMacaroon((await chainOf('macaroon', 1)).toBytes());
    m.addFirstPartyCaveat('allow = true');
    const token = CapabilityToken.fromBytes('macaroon', exportBinary(m));
    expect(await refusal(token, { rootSecrets: { ...rootSecret, secret: new Uint8Array(32).fill(5) } })).toEqual({ code: 'denied', check: 'caveat' });
  });

  it('Biscuit: 4 signatures before 5 block templates', async () => {
    const token = await widenedBiscuit(false);
    expect(await refusal(token, { presenter: dids[2]!, ...trust('biscuit') })).toEqual({ code: 'malformed_input', check: 'hop_block' });
    expect(await refusal(token, { presenter: dids[2]!, trustedRoots: KeyPair.generate().publicKey })).toMatchObject({ code: 'invalid_signature' });
  });

  it('Biscuit: 5 block templates before 6 narrowing', async () => {
    expect(await refusal(await widenedBiscuit(true), { presenter: dids[2]!, ...trust('biscuit') })).toEqual({ code: 'scope_widened', check: 'resources' });
    expect(await refusal(await widenedBiscuit(false), { presenter: dids[2]!, ...trust('biscuit') })).toEqual({ code: 'malformed_input', check: 'hop_block' });
  });

  it('6 narrowing before 8 revocation (Biscuit)', async () => {
    const revocations = new MemoryRevocationStore();
    await revocations.revoke({ kind: 'agent', did: dids[1]! });
    expect(await refusal(await widenedBiscuit(true), { presenter: dids[2]!, ...trust('biscuit'), revocations })).toEqual({ code: 'scope_widened', check: 'resources' });
  });

  describe('Macaroon discharges', () => {
    const partner = { location: 'https://partner.example/discharge', keyId: 'acme-partner', secret: new Uint8Array(32).fill(9), condition: 'delegation-live' };
    const after = () => (NOW + 61) * 1000;

    async function withDischarge(token: CapabilityToken): Promise<string> {
      const [caveat] = (await inspectToken(token)).thirdPartyCaveats;
      const discharge = await dischargeThirdPartyCaveat(caveat!.caveatId, { keyId: partner.keyId, secret: partner.secret, expiresAt: NOW + 60, confirm: () => true });
      return bindDischarge(token, discharge).serialize();
    }

    it('6 narrowing before 7 discharge expiry', async () => {
      const token = widenedMacaroon(await attenuate(await chainOf('macaroon', 0), { clock, to: dids[1]!, signer: agents[0]!, thirdPartyCaveats: [partner] }), 1);
      const discharges = [await withDischarge(token)];
      expect(await refusal(token, { presenter: dids[2]!, ...trust('macaroon'), discharges })).toEqual({ code: 'scope_widened', check: 'resources' });
      const honest = await attenuate(await chainOf('macaroon', 0), { clock, to: dids[1]!, signer: agents[0]!, thirdPartyCaveats: [partner] });
      expect(await refusal(honest, { ...trust('macaroon'), discharges: [await withDischarge(honest)], clock: after })).toEqual({ code: 'expired', check: 'discharge_expiry' });
    });

    it('7 discharge expiry before 8 revocation', async () => {
      const token = await attenuate(await chainOf('macaroon', 0), { clock, to: dids[1]!, signer: agents[0]!, thirdPartyCaveats: [partner] });
      const revocations = new MemoryRevocationStore();
      await revocations.revoke({ kind: 'agent', did: dids[1]! });
      expect(await refusal(token, { ...trust('macaroon'), discharges: [await withDischarge(token)], clock: after, revocations })).toEqual({
        code: 'expired',
        check: 'discharge_expiry',
      });
    });
  });

  it('6 narrowing before 8 revocation (Macaroon)', async () => {
    const revocations = new MemoryRevocationStore();
    await revocations.revoke({ kind: 'agent', did: dids[1]! });
    const token = widenedMacaroon(await chainOf('macaroon', 1), 1);
    expect(await refusal(token, { presenter: dids[2]!, ...trust('macaroon'), revocations })).toEqual({ code: 'scope_widened', check: 'resources' });
  });

  describe.each(['biscuit', 'macaroon'] as const)('%s', (format) => {
    const expired = () => (NOW + 3600) * 1000;

    it('8 revocation before 9 holder', async () => {
      const revocations = new MemoryRevocationStore();
      await revocations.revoke({ kind: 'principal', id: capability().onBehalfOf });
      expect(await refusal(await chainOf(format, 1), { ...trust(format), revocations, presenter: dids[5]! })).toEqual({ code: 'revoked', check: 'revocation_principal' });
    });

    it('9 holder before 10 task', async () => {
      expect(await refusal(await chainOf(format, 1), { ...trust(format), presenter: dids[5]!, request: { ...request, task: 'other' } })).toEqual({ code: 'holder_mismatch', check: 'holder' });
    });

    it('10 task before 11 expiry', async () => {
      expect(await refusal(await chainOf(format, 1), { ...trust(format), clock: expired, request: { ...request, task: 'other' } })).toEqual({ code: 'wrong_task', check: 'task' });
    });

    it('10 task before 11 issue time', async () => {
      const early = () => (NOW - 61) * 1000;
      expect(await refusal(await chainOf(format, 1), { ...trust(format), clock: early, request: { ...request, task: 'other' } })).toEqual({ code: 'wrong_task', check: 'task' });
      expect(await refusal(await chainOf(format, 1), { ...trust(format), clock: early })).toEqual({ code: 'not_yet_valid', check: 'issued_at' });
    });

    it('11 a hop issue time before its expiry (and so before audience, action, resource)', async () => {
      // Issued after it expired: at a time before both, the issue time is reported.
      const token = await chainOf(format, 1, { expiresAt: NOW - 600 });
      expect(await refusal(token, { ...trust(format), clock: () => (NOW - 700) * 1000, request: { ...request, audience: 'did:web:other.example', action: 'delete' } })).toEqual({
        code: 'not_yet_valid',
        check: 'issued_at',
      });
      expect(await refusal(token, { ...trust(format) })).toEqual({ code: 'expired', check: 'expiry' });
    });

    it('11 expiry before audience', async () => {
      expect(await refusal(await chainOf(format, 1), { ...trust(format), clock: expired, request: { ...request, audience: 'did:web:other.example' } })).toEqual({
        code: 'expired',
        check: 'expiry',
      });
    });

    it('11 audience before action', async () => {
      expect(await refusal(await chainOf(format, 1), { ...trust(format), request: { ...request, audience: 'did:web:other.example', action: 'delete' } })).toEqual({
        code: 'wrong_audience',
        check: 'audience',
      });
    });

    it('11 action before resource', async () => {
      expect(await refusal(await chainOf(format, 1), { ...trust(format), request: { ...request, action: 'delete', resource: 'files:/secrets/k' } })).toEqual({
        code: 'denied',
        check: 'actions',
      });
    });

    it('11 hop by hop: hop 1 refusing the action comes before hop 2 having expired', async () => {
      let token = await chainOf(format, 1);
      token = await attenuate(token, { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey, narrowing: { actions: ['read'] } });
      token = await attenuate(token, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey, narrowing: { expiresAt: NOW + 60 } });
      const result = await refusal(token, { ...trust(format), presenter: dids[3]!, clock: () => (NOW + 61) * 1000, request: { ...request, action: 'write' } });
      expect(result).toEqual({ code: 'denied', check: 'actions' });
    });

    it('11 resource before 12 first-party checks', async () => {
      // A holder's own restriction, appended with the format's library, that fails at NOW.
      const token = await withFailingCheck(format, await chainOf(format, 1));
      expect(await refusal(token, { ...trust(format) })).toEqual({ code: 'denied', check: 'first_party_check' });
      expect(await refusal(token, { ...trust(format), request: { ...request, resource: 'files:/secrets/k' } })).toEqual({ code: 'denied', check: 'resources' });
    });
  });

  it('Biscuit: 12 first-party checks before 13 Datalog', async () => {
    const before = datalogRuns.count;
    const token = await withFailingCheck('biscuit', await chainOf('biscuit', 1));
    expect(await refusal(token, { ...trust('biscuit'), datalog: true, limits: { maxDatalogMicros: 1 } })).toEqual({ code: 'denied', check: 'first_party_check' });
    expect(datalogRuns.count).toBe(before);
  });

  it('Biscuit: 11 resource before 13 Datalog', async () => {
    const before = datalogRuns.count;
    const result = await refusal(await chainOf('biscuit', 1), { ...trust('biscuit'), datalog: true, limits: { maxDatalogMicros: 1 }, request: { ...request, resource: 'files:/secrets/k' } });
    expect(result).toEqual({ code: 'denied', check: 'resources' });
    expect(datalogRuns.count).toBe(before);
    expect(await refusal(await chainOf('biscuit', 5, { maxDepth: 6 }), { ...trust('biscuit'), presenter: dids[5]!, datalog: true, limits: { maxDatalogMicros: 1 } })).toMatchObject({
      code: 'resource_limit',
    });
  });
});
