import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { canonicalizeAgentCard } from '@agent-id/a2a-cards';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, noStack, serveHosted, tempDir } from './helpers.js';

interface VerdictJson {
  ok: true;
  host: string;
  hosts: string[];
  signers: { source: string; did?: string; jwks?: string; thumbprint?: string; keyId: string; alg: string; rule: string; readings: string[] }[];
  otherSignatures: { number: number; status: string; code?: string }[];
  ownership?: { agent: string; issuer: string; onBehalfOf?: string };
  card: { name: string };
  url?: string;
}

interface ErrorJson {
  ok: false;
  error: { code: string; check: string; message: string };
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
let server: Awaited<ReturnType<typeof serveHosted>>;
let host: string;
const hosted = new Map<string, string>();

function card(url: string): Record<string, unknown> {
  return {
    name: 'Report Writer',
    description: 'Writes quarterly reports',
    version: '1.0.0',
    supportedInterfaces: [{ url, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: false },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'report', name: 'Report', description: 'Writes a report', tags: ['reports'] }],
  };
}

beforeAll(async () => {
  tmp = await tempDir();
  server = await serveHosted(hosted, 'application/json');
  host = server.host;
});

afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

describe('agent-id card', () => {
  it('sign then verify a card file; an untrusted signer, a foreign host and a tampered card are refused', async () => {
    const [org, other] = await Promise.all([cli(['key', 'new', '--out', tmp.path('org.jwk')]), cli(['key', 'new', '--out', tmp.path('other.jwk')])]);
    const orgDid = org.stdout.trim();
    const otherDid = other.stdout.trim();
    await writeFile(tmp.path('card.json'), JSON.stringify(card('https://agents.acme.example/a2a')));

    const signed = await cli(['card', 'sign', tmp.path('card.json'), '--key', tmp.path('org.jwk')]);
    expect(signed.code, signed.stderr).toBe(0);
    const signedCard = JSON.parse(signed.stdout) as { signatures: { protected: string }[] };
    expect(signedCard.signatures).toHaveLength(1);
    await writeFile(tmp.path('card.signed.json'), signed.stdout);

    const [ok, untrusted, foreignHost] = await Promise.all([
      cliJson<VerdictJson>(['card', 'verify', tmp.path('card.signed.json'), '--trust', orgDid, '--hosts', 'agents.acme.example']),
      cliJson<ErrorJson>(['card', 'verify', tmp.path('card.signed.json'), '--trust', otherDid, '--hosts', 'agents.acme.example']),
      cliJson<ErrorJson>(['card', 'verify', tmp.path('card.signed.json'), '--trust', orgDid, '--hosts', 'agents.globex.example']),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, host: 'agents.acme.example', card: { name: 'Report Writer' } });
    expect(ok.json.signers[0]).toMatchObject({ did: orgDid, alg: 'EdDSA' });
    expect(untrusted.code).toBe(1);
    expect(untrusted.json.error).toMatchObject({ code: 'untrusted_signer', check: 'signer_trust' });
    expect(untrusted.stderr).toContain('code: untrusted_signer');
    expect(foreignHost.code).toBe(1);
    expect(foreignHost.json.error.code).toBe('host_mismatch');

    const tampered = (await readFile(tmp.path('card.signed.json'), 'utf8')).replace('Writes quarterly reports', 'Writes any report');
    const [bad, unsigned] = await Promise.all([
      cliJson<ErrorJson>(['card', 'verify', '-', '--trust', orgDid, '--hosts', 'agents.acme.example'], { input: tampered }),
      cliJson<ErrorJson>(['card', 'verify', tmp.path('card.json'), '--trust', orgDid, '--hosts', 'agents.acme.example']),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.json.error.code).toBe('invalid_signature');
    expect(unsigned.code).toBe(1);
    expect(unsigned.json.error.code).toBe('signature_required');
    expect(noStack(bad)).toBe(true);
  });

  it('fetches and verifies a card served with its did:web signer on 127.0.0.1, with an ownership credential', async () => {
    const didKey = tmp.path('acme-web.jwk');
    const agentKey = tmp.path('writer.jwk');
    const [, agentMade] = await Promise.all([cli(['key', 'new', '--out', didKey]), cli(['key', 'new', '--out', agentKey])]);
    const agentDid = agentMade.stdout.trim();
    const web = await cliJson<{ did: string; keyId: string; documentPath: string; document: unknown }>(['did', 'new', 'web', '--domain', host, '--key', didKey]);
    hosted.set(web.json.documentPath, JSON.stringify(web.json.document));

    const vc = await cli(['vc', 'issue', '--issuer-key', didKey, '--issuer', web.json.did, '--agent', agentDid, '--on-behalf-of', 'alice', '--ttl', '1h']);
    expect(vc.code, vc.stderr).toBe(0);
    await writeFile(tmp.path('writer.vc'), vc.stdout);
    await writeFile(tmp.path('web-card.json'), JSON.stringify(card(`http://${host}/a2a`)));

    // The agent signs (with the credential attached), then its organisation signs too.
    const byAgent = await cli(['card', 'sign', tmp.path('web-card.json'), '--key', agentKey, '--ownership-credential', `@${tmp.path('writer.vc')}`]);
    expect(byAgent.code, byAgent.stderr).toBe(0);
    const both = await cliJson<{ kid: string; signatures: number; card: unknown }>(['card', 'sign', '-', '--key', didKey, '--kid', web.json.keyId], { input: byAgent.stdout });
    expect(both.code, both.stderr).toBe(0);
    expect(both.json.signatures).toBe(2);
    hosted.set('/.well-known/agent-card.json', JSON.stringify(both.json.card));

    const verified = await cliJson<VerdictJson>([
      'card', 'verify', `http://${host}`, '--trust', web.json.did, '--trust', agentDid, '--hosts', host, '--require-ownership', '--ownership-issuer', web.json.did, '--allow-http-loopback',
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json.url).toBe(`http://${host}/.well-known/agent-card.json`);
    expect(verified.json.signers.map((s) => s.did).sort()).toEqual([agentDid, web.json.did].sort());
    expect(verified.json.ownership).toMatchObject({ agent: agentDid, issuer: web.json.did, onBehalfOf: 'alice' });

    const human = await cli(['card', 'verify', `http://${host}/.well-known/agent-card.json`, '--trust', web.json.did, '--allow-http-loopback']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('verified agent card "Report Writer"');

    const [noLoopback, stranger] = await Promise.all([
      cliJson<ErrorJson>(['card', 'verify', `http://${host}`, '--trust', web.json.did]),
      cliJson<ErrorJson>(['card', 'verify', `http://${host}`, '--trust', 'did:web:globex.example', '--allow-http-loopback']),
    ]);
    expect(noLoopback.code).toBe(1);
    expect(noLoopback.json.error.code).toBe('malformed_input');
    expect(stranger.code).toBe(1);
    expect(stranger.json.error.code).toBe('untrusted_signer');
  });

  it('--key FILE.jwk and --jwks URL: a card signed elsewhere (ES384, plain kid) verifies with a key the verifier chose', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'globex-2026' };
    const unsigned = card('https://agents.globex.example/a2a');
    const protectedB64 = Buffer.from(JSON.stringify({ alg: 'ES384', kid: 'globex-2026', typ: 'JOSE', jku: 'https://evil.example/jwks.json' })).toString('base64url');
    const input = `${protectedB64}.${Buffer.from(canonicalizeAgentCard(unsigned)).toString('base64url')}`;
    const signature = sign('sha384', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    await writeFile(tmp.path('globex.card.json'), JSON.stringify({ ...unsigned, signatures: [{ protected: protectedB64, signature }] }));
    await writeFile(tmp.path('globex.pub.jwk'), JSON.stringify(jwk));
    await writeFile(tmp.path('globex.private.jwk'), JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'globex-2026' }));
    hosted.set('/globex/jwks.json', JSON.stringify({ keys: [jwk] }));

    const [pinned, named, human, wrongHost, privateGiven, noLoopback] = await Promise.all([
      cliJson<VerdictJson>(['card', 'verify', tmp.path('globex.card.json'), '--key', tmp.path('globex.pub.jwk'), '--hosts', 'agents.globex.example']),
      cliJson<VerdictJson>(['card', 'verify', tmp.path('globex.card.json'), '--jwks', `http://${host}/globex/jwks.json`, '--hosts', 'agents.globex.example', '--allow-http-loopback']),
      cli(['card', 'verify', tmp.path('globex.card.json'), '--key', tmp.path('globex.pub.jwk'), '--hosts', 'agents.globex.example']),
      cliJson<ErrorJson>(['card', 'verify', tmp.path('globex.card.json'), '--key', tmp.path('globex.pub.jwk')]),
      cliJson<ErrorJson>(['card', 'verify', tmp.path('globex.card.json'), '--key', tmp.path('globex.private.jwk'), '--hosts', 'agents.globex.example']),
      cliJson<ErrorJson>(['card', 'verify', tmp.path('globex.card.json'), '--jwks', `http://${host}/globex/jwks.json`, '--hosts', 'agents.globex.example']),
    ]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.json.signers[0]).toMatchObject({ source: 'jwk', keyId: 'globex-2026', alg: 'ES384', readings: ['prune-empty', 'rule-1-as-written'], jku: 'ignored' });
    expect(named.code, named.stderr).toBe(0);
    expect(named.json.signers[0]).toMatchObject({ source: 'jwks', jwks: `http://${host}/globex/jwks.json`, alg: 'ES384' });
    expect(human.stdout).toContain('signed by: pinned key');
    expect(wrongHost.code).toBe(1);
    expect(wrongHost.json.error.code).toBe('host_mismatch');
    expect(privateGiven.code).toBe(1);
    expect(privateGiven.json.error).toMatchObject({ code: 'malformed_input', check: 'policy' });
    expect(privateGiven.stderr).not.toContain(String(privateKey.export({ format: 'jwk' }).d));
    expect(noLoopback.code).toBe(1);
    expect(noLoopback.json.error.code).toBe('malformed_input');
  });

  it('bad usage is exit 2; a card that is not JSON is refused (exit 1)', async () => {
    await writeFile(tmp.path('broken.json'), '{"name": ');
    const [noTrust, missing, badJson] = await Promise.all([
      cliJson<ErrorJson>(['card', 'verify', tmp.path('card.json')]),
      cliJson<ErrorJson>(['card', 'sign', tmp.path('nope.json'), '--key', tmp.path('org.jwk')]),
      cliJson<ErrorJson>(['card', 'sign', tmp.path('broken.json'), '--key', tmp.path('org.jwk')]),
    ]);
    expect(noTrust.code).toBe(2);
    expect(noTrust.json.error).toMatchObject({ code: 'missing_option', check: '--trust' });
    expect(missing.code).toBe(2);
    expect(missing.json.error).toMatchObject({ code: 'unreadable_input', check: '<card>' });
    expect(badJson.code).toBe(1);
    expect(badJson.json.error).toMatchObject({ code: 'malformed_input' });
    for (const r of [noTrust, missing, badJson]) expect(noStack(r)).toBe(true);
  });

  it('an A2A 0.3 card (top-level url, no supportedInterfaces) is refused by a2a-cards: exit 1', async () => {
    const { supportedInterfaces: _, ...rest } = card('https://agents.acme.example/a2a');
    await writeFile(tmp.path('v03.json'), JSON.stringify({ ...rest, url: 'https://agents.acme.example/a2a', protocolVersion: '0.3.0' }));
    const r = await cliJson<ErrorJson>(['card', 'sign', tmp.path('v03.json'), '--key', tmp.path('org.jwk')]);
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ code: 'malformed_input', check: 'card_version' });
    expect(r.json.error.message).toMatch(/only A2A v1\.0 cards are signed.*supportedInterfaces/);
  });

  it('--out refuses an existing file (output_exists) unless --force', async () => {
    await writeFile(tmp.path('taken.json'), 'x');
    const [taken, forced] = await Promise.all([
      cliJson<ErrorJson>(['card', 'sign', tmp.path('card.json'), '--key', tmp.path('org.jwk'), '--out', tmp.path('taken.json')]),
      cliJson<{ ok: boolean; file: string }>(['card', 'sign', tmp.path('card.json'), '--key', tmp.path('org.jwk'), '--out', tmp.path('forced.json'), '--force']),
    ]);
    expect(taken.code).toBe(2);
    expect(taken.json.error).toMatchObject({ code: 'output_exists', check: '--out' });
    expect(await readFile(tmp.path('taken.json'), 'utf8')).toBe('x');
    expect(forced.code, forced.stderr).toBe(0);
  });
});
