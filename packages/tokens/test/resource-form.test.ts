import { base64urlEncode, canonicalResourcePath } from '@agent-id/core';
import macaroonLib from 'macaroon';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOP_CODE, scopeParams } from '../src/biscuit/datalog.js';
import { CapabilityToken, attenuate, authorize } from '../src/index.js';
import { formatCaveat } from '../src/macaroon/caveats.js';
import { exportBinary } from '../src/macaroon/codec.js';
import { randomId } from '../src/macaroon/keys.js';
import { hopSigningInput } from '../src/macaroon/read.js';
import { AUD, NOW, agents, chainOf, clock, issuedAtParam, dids, mint, orgKey, trust, failure } from './helpers.js';
import { appendHopWithWasm } from './envelope.js';

// A prefix pattern grants only resource names in canonical form (core's
// isCanonicalResource), in both formats, with or without Datalog, and no token this
// package writes names a resource outside that form.

const TRAVERSALS = [
  'files:/reports/../hr/salaries.xlsx',
  'files:/reports/%2e%2e/hr/salaries.xlsx',
  'files:/reports/%2E%2E/hr',
  'files:/reports/.%2e/hr',
  'files:/reports/..%2fhr',
  'files:/reports/%2Fetc',
  'files:/reports/..%5chr',
  'files:/reports/..\\hr',
  'files:/reports/./q3.pdf',
  'files:/reports//etc/passwd',
  'files:/reports/..;/hr',
  'files:/reports/%C0%AE%C0%AE/hr',
  'files:/reports/q3\u0000.pdf',
  'files:/reports/q3\r\n.pdf',
  'files:/reports/%0d%0a',
];

describe.each(['biscuit', 'macaroon'] as const)('%s', (format) => {
  const ask = (token: CapabilityToken, resource: string, presenter = dids[1]!, extra = {}) =>
    failure(authorize(token, { request: { resource, action: 'read', audience: AUD }, presenter, clock, ...trust(format), ...extra }));

  it.each(TRAVERSALS)('authorize refuses %j under files:/reports/* with denied, check resource_form', async (resource) => {
    const token = await chainOf(format, 1);
    expect(await ask(token, resource)).toEqual({ code: 'denied', check: 'resource_form' });
    if (format === 'biscuit') expect(await ask(token, resource, dids[1]!, { datalog: true })).toEqual({ code: 'denied', check: 'resource_form' });
    expect(await ask(token, 'files:/reports/q3.pdf')).toEqual({ code: 'passed', check: '' });
  });

  it('a server that canonicalises the URL path gets the decision of the path it names', async () => {
    const token = await chainOf(format, 1);
    expect(await ask(token, canonicalResourcePath('files', '/reports/%2e%2e/hr/salaries.xlsx'))).toEqual({ code: 'denied', check: 'resources' });
    expect(await ask(token, canonicalResourcePath('files', '/reports/q3/../q4/%61.pdf'))).toEqual({ code: 'passed', check: '' });
  });

  it('mint refuses a scope resource that is not in canonical form (malformed_input, check resource)', async () => {
    for (const resources of [['files:/reports/../hr/*'], ['files:/reports//*'], ['files:/reports/%2e%2e/*'], ['db:orders', 'files:/a\\b'], ['files:/reports/./q3.pdf'], ['files:/x/%2F*']]) {
      expect(await failure(mint(format, { resources })), resources.join()).toEqual({ code: 'malformed_input', check: 'resource' });
    }
  });

  it('attenuate refuses a narrowing to a resource not in canonical form, before any token exists', async () => {
    const token = await chainOf(format, 0);
    for (const resources of [['files:/reports/../hr/*'], ['files:/reports/%2e%2e/hr'], ['files:/reports//x'], ['files:/reports/..\\hr']]) {
      expect(await failure(attenuate(token, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, narrowing: { resources } })), resources.join()).toEqual({
        code: 'malformed_input',
        check: 'resource',
      });
    }
  });

  it('property: no generated traversal path is granted unless it canonicalises inside the prefix', async () => {
    const token = await chainOf(format, 1);
    const segment = fc.constantFrom('..', '.', '', '%2e%2e', '%2E', '.%2e', '..;', '%2f', '%5c', '\\', '%c0%ae', 'hr', 'q3', 'a.pdf', '~x', '%41');
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 5 }), async (segments) => {
        const path = `/reports/${segments.join('/')}`;
        const { code } = await ask(token, `files:${path}`);
        if (code !== 'passed') return;
        let canonical: string | undefined;
        try {
          canonical = canonicalResourcePath('files', path);
        } catch {
          canonical = undefined;
        }
        expect(canonical).toBe(`files:${path}`);
        expect(canonical?.startsWith('files:/reports/')).toBe(true);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

describe('a hand-made hop (bypassing attenuate) narrowing to a traversal name is a widening at authorize', () => {
  const leaf = { resources: ['files:/reports/../hr/*'], actions: ['read'], audience: [AUD], expiresAt: NOW + 60, maxDepth: 0 };
  const request = { resource: 'files:/reports/../hr/salaries.xlsx', action: 'read', audience: AUD };

  it('Biscuit', async () => {
    const token = await chainOf('biscuit', 1);
    const ids = (await authorize(token, { request: { ...request, resource: 'files:/reports/q3.pdf' }, presenter: dids[1]!, clock, ...trust('biscuit') })).blockRevocationIds;
    const crafted = await appendHopWithWasm(token, HOP_CODE, { index: 2, from: dids[1], to: dids[2], previous: { bytes: ids[1] }, issued_at: issuedAtParam, ...scopeParams(leaf) }, 1);
    expect(await failure(authorize(crafted, { request, presenter: dids[2]!, clock, ...trust('biscuit') }))).toEqual({ code: 'scope_widened', check: 'resources' });
  });

  it('Macaroon', async () => {
    const m = macaroonLib.importMacaroon((await chainOf('macaroon', 1)).toBytes());
    const hop = { actions: leaf.actions, audience: leaf.audience, expires_at: leaf.expiresAt, from: dids[1]!, id: randomId(), index: 2, issued_at: NOW, max_depth: 0, resources: leaf.resources, to: dids[2]! };
    const sig = base64urlEncode(agents[1]!.sign(hopSigningInput(hop, m.signature)));
    m.addFirstPartyCaveat(formatCaveat({ name: 'delegation', value: { ...hop, sig } }));
    const crafted = CapabilityToken.fromBytes('macaroon', exportBinary(m));
    expect(await failure(authorize(crafted, { request, presenter: dids[2]!, clock, ...trust('macaroon') }))).toEqual({ code: 'scope_widened', check: 'resources' });
  });
});
