import { AgentIdError, type AuditRecord, base64urlEncode } from '@agent-id/core';
import { createDidResolver } from '@agent-id/did';
import { junk } from '@agent-id/test-support';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CapabilityToken,
  ResourceGuard,
  attenuate,
  authorize,
  bindDischarge,
  dischargeThirdPartyCaveat,
  inspectToken,
  mintCapability,
  refusalRecord,
  verifyChain,
} from '../src/index.js';
import { AUD, agents, capability, chainOf, clock, dids, orgKey, rootSecret } from './helpers.js';

// Every export, fed junk of every type where untrusted input enters: a coded error (or a
// TypeError for a caller's wrong type), never anything else; strings, which is what a
// token is on the wire, always get a coded error.

// The shared values of every type (@agent-id/test-support), then token-shaped near misses.
const JUNK: unknown[] = [...junk.map(([, value]) => value), 'A'.repeat(4096), 'EhAK', { format: 'biscuit' }];

type Outcome = 'ok' | 'TypeError' | `code:${string}` | `UNEXPECTED ${string}`;

async function outcome(f: () => unknown): Promise<Outcome> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (e instanceof AgentIdError) return `code:${e.code}`;
    if (e instanceof TypeError) return 'TypeError';
    return `UNEXPECTED ${String(e)}`;
  }
}

/** An in-memory audit sink: only what the guard appends matters here. */
function memoryAudit() {
  const records: AuditRecord[] = [];
  return { append: async (record: AuditRecord) => ({ seq: records.push(record), prevHash: '', hash: '', record }) };
}

const request = { resource: 'files:/reports/a', action: 'read', audience: AUD };
const trust = { trustedRoots: orgKey.publicKey, rootSecrets: rootSecret };

describe('junk never crashes an export', () => {
  const guard = new ResourceGuard({ service: AUD, resolver: createDidResolver(), trustedIssuers: ['did:web:acme.example'], trustedRoots: [orgKey.publicKey], rootSecrets: [rootSecret], audit: memoryAudit(), clock });
  // [name, call, whether junk may pass]: only parsing a token's encoding, building a
  // refusal record and a guard's deny decision may; nothing may authorize or verify junk.
  const exports: [string, (x: unknown) => unknown, boolean][] = [
    ['authorize', (x) => authorize(x as string, { request, presenter: dids[1]!, clock, ...trust }), false],
    ['authorize with datalog', (x) => authorize(x as string, { request, presenter: dids[1]!, clock, ...trust, datalog: true }), false],
    ['verifyChain', (x) => verifyChain(x as string, trust), false],
    ['inspect', (x) => inspectToken(x as string, { trustedRoots: orgKey.publicKey }), false],
    ['attenuate', (x) => attenuate(x as string, { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey }), false],
    ['CapabilityToken.parse', (x) => CapabilityToken.parse(x as string), true],
    ['bindDischarge (token)', (x) => bindDischarge(x as string, 'EhAK'), false],
    ['dischargeThirdPartyCaveat', (x) => dischargeThirdPartyCaveat(x as string, { keyId: 'k', secret: new Uint8Array(32), expiresAt: 2_000_000_000, confirm: () => true }), false],
    ['refusalRecord', (x) => refusalRecord({ token: x, error: x, verifier: AUD }, trust), true],
    [
      'guard.check (token, with a presentation that fails)',
      async (x) => {
        const d = await guard.check({ presentation: 'x', token: x, request: { resource: 'r', action: 'a', task: 't' } });
        if (d.decision !== 'deny') throw new Error('junk was allowed');
      },
      true,
    ],
    [
      'guard.check (everything junk)',
      async (x) => {
        const d = await guard.check({ presentation: x, token: x, request: x });
        if (d.decision !== 'deny') throw new Error('junk was allowed');
      },
      true,
    ],
  ];

  it.each(exports)('%s', async (_name, f, mayPass) => {
    for (const value of JUNK) {
      const result = await outcome(() => f(value));
      const what = String(typeof value === 'string' ? value.slice(0, 20) : typeof value);
      expect(result, what).not.toMatch(/^UNEXPECTED/);
      if (!mayPass) expect(result, what).not.toBe('ok');
      if (typeof value === 'string' && value.length > 0) expect(result).not.toBe('TypeError');
    }
  });

  it('mintCapability: junk capabilities and options', async () => {
    for (const value of JUNK) {
      expect(await outcome(() => mintCapability(value as never, { format: 'biscuit', rootKey: orgKey }))).not.toMatch(/^UNEXPECTED/);
      expect(await outcome(() => mintCapability(capability(), value as never))).not.toMatch(/^UNEXPECTED/);
      expect(await outcome(() => mintCapability({ ...capability(), holder: value } as never, { format: 'macaroon', rootSecret, issuer: 'did:web:acme.example' }))).not.toMatch(/^UNEXPECTED/);
    }
  });

  it('random strings and token-shaped bytes always get coded errors', async () => {
    const biscuit = (await chainOf('biscuit', 1)).toBytes();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => base64urlEncode(b)),
          // A real token cut short, then junk: gets past the first fields. (The whole token
          // followed by anything is not junk: a valid token, or one with an unsigned
          // `rootKeyId` hint appended, which Biscuit allows.)
          fc
            .tuple(fc.integer({ min: 1, max: biscuit.length - 1 }), fc.uint8Array({ maxLength: 64 }))
            .map(([n, tail]) => Uint8Array.from([...biscuit.subarray(0, n), ...tail]))
            .filter((bytes) => !(bytes.length >= biscuit.length && bytes.subarray(0, biscuit.length).every((b, i) => b === biscuit[i])))
            .map((bytes) => base64urlEncode(bytes)),
        ),
        async (text) => {
          for (const [name, f, mayPass] of exports) {
            const result = await outcome(() => f(text));
            expect(result, name).toMatch(mayPass ? /^(ok|code:)/ : /^code:/);
          }
        },
      ),
      { numRuns: Number(process.env.JUNK_RUNS ?? 60) },
    );
  }, 600_000);
});
