import { readFileSync } from 'node:fs';
import { KeyPair, type KeyType } from '@agent-id/core';
import { didKeyFromPublicKey, publicKeyFromDidKey } from '@agent-id/did';
import { describe, expect, it } from 'vitest';
import { type AuthorizationResult, CapabilityToken, type TokenFormat, authorize, verifyChain } from '../src/index.js';
import { type Denial, SHAPES } from './vectors/known-answer/shapes.js';

// Frozen tokens of every shape this package writes (test/vectors/known-answer), with the
// answers today's code gives them. If this fails, the wire format or a decision changed:
// make it a decision (regenerate on purpose, see the README there), never an accident.

interface Vector {
  name: string;
  format: TokenFormat;
  token: string;
  discharges: string[];
  presenter: string;
  allowed: { request: { resource: string; action: string; audience: string; task: string }; result: Omit<AuthorizationResult, 'record'> };
  denied: Denial[];
}
interface TestKey {
  label: string;
  type: KeyType;
  secretKey: string;
  did: string;
}
const file = JSON.parse(readFileSync(new URL('./vectors/known-answer/vectors.json', import.meta.url), 'utf8')) as {
  now: number;
  keys: { root: TestKey; agents: TestKey[]; macaroonRootSecret: { id: string; secret: string }; partner: { secret: string } };
  vectors: Vector[];
};

const trustedRoots = publicKeyFromDidKey(file.keys.root.did);
const rootSecrets = { id: file.keys.macaroonRootSecret.id, secret: new Uint8Array(Buffer.from(file.keys.macaroonRootSecret.secret, 'hex')) };
// A fixed clock: the vectors never expire.
const at = (seconds: number) => () => seconds * 1000;

function trust(v: Vector, withoutDischarges = false) {
  return v.format === 'biscuit' ? { trustedRoots } : { rootSecrets, discharges: withoutDischarges ? [] : v.discharges };
}

describe('known-answer vectors', () => {
  it('cover every shape this package writes, with test keys that match their DIDs', () => {
    expect(file.vectors.map((v) => v.name)).toEqual(SHAPES.map((s) => s.name));
    for (const key of [file.keys.root, ...file.keys.agents]) {
      expect(didKeyFromPublicKey(KeyPair.fromSecretKey(key.type, new Uint8Array(Buffer.from(key.secretKey, 'hex'))).publicKey), key.label).toBe(key.did);
    }
  });

  describe.each(file.vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    it('is read as its format', () => {
      expect(CapabilityToken.parse(v.token).format).toBe(v.format);
    });

    it('allows its request, returning the same chain, principals, revocation ids and effective scope', async () => {
      const { record, ...result } = await authorize(v.token, { request: v.allowed.request, presenter: v.presenter, clock: at(file.now), ...trust(v) });
      expect(result).toEqual(v.allowed.result);
      expect(record).toMatchObject({ decision: 'allow', agent: v.presenter, chain: v.allowed.result.chain });
      if (v.format === 'biscuit') {
        // With time for Datalog even on a loaded machine (running out is no decision).
        const { record: _r, ...withDatalog } = await authorize(v.token, { request: v.allowed.request, presenter: v.presenter, clock: at(file.now), trustedRoots, datalog: true, limits: { maxDatalogMicros: 2_000_000 } });
        expect(withDatalog).toEqual(v.allowed.result);
      }
    });

    it('verifies to the same chain without a request', async () => {
      const { format, issuer, onBehalfOf, task, chain } = v.allowed.result;
      expect(await verifyChain(v.token, trust(v))).toEqual({ format, issuer, onBehalfOf, task, chain });
    });

    it.each(v.denied.map((d) => [d.why, d] as const))('refuses %s', async (_why, d) => {
      const options = { request: d.request, presenter: d.presenter ?? v.presenter, clock: at(d.at ?? file.now), ...trust(v, d.withoutDischarges) };
      await expect(authorize(v.token, options)).rejects.toMatchObject({ code: d.code, check: d.check });
    });
  });
});
