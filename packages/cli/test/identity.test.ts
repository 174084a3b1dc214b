import { stat, readFile, writeFile, chmod } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, noStack, serveHosted, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let server: Awaited<ReturnType<typeof serveHosted>>;
let domain: string;
const hosted = new Map<string, string>();

beforeAll(async () => {
  tmp = await tempDir();
  server = await serveHosted(hosted, 'application/did+json');
  domain = server.host;
});

afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

describe('agent-id key', () => {
  it('key new saves an owner-only private JWK and prints its did:key', async () => {
    const file = tmp.path('k1.jwk');
    const r = await cli(['key', 'new', '--out', file]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const jwk = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    expect(jwk.kty).toBe('OKP');
    expect(typeof jwk.d).toBe('string');
    expect(r.stdout + r.stderr).not.toContain(jwk.d);

    const show = await cliJson<{ did: string; type: string }>(['key', 'show', file]);
    expect(show.code).toBe(0);
    expect(show.json.did).toBe(r.stdout.trim());
    expect(show.stdout).not.toContain(jwk.d);
  });

  it('key new --alg p256 / secp256k1 --json', async () => {
    const [p256, k1] = await Promise.all([
      cliJson<{ did: string; type: string; algorithm: string }>(['key', 'new', '--alg', 'p256', '--out', tmp.path('p.jwk')]),
      cliJson<{ did: string; type: string; algorithm: string }>(['key', 'new', '--alg', 'secp256k1', '--out', tmp.path('s.jwk')]),
    ]);
    expect(p256.code).toBe(0);
    expect(p256.json.did).toMatch(/^did:key:zDn/);
    expect(p256.json.algorithm).toBe('ES256');
    expect(k1.json.did).toMatch(/^did:key:zQ3s/);
    expect(k1.json.type).toBe('secp256k1');
  });

  it('refuses to overwrite, and bad usage is exit 2 without a stack trace', async () => {
    const file = tmp.path('k2.jwk');
    expect((await cli(['key', 'new', '--out', file])).code).toBe(0);
    const again = await cliJson<{ error: { code: string; check: string } }>(['key', 'new', '--out', file]);
    expect(again.code).toBe(2);
    expect(again.json.error).toMatchObject({ code: 'output_exists', check: '--out' });
    const [noOut, badAlg, missing] = await Promise.all([
      cliJson<{ error: { code: string; check: string } }>(['key', 'new']),
      cliJson<{ error: { code: string; check: string } }>(['key', 'new', '--alg', 'rsa', '--out', tmp.path('x.jwk')]),
      cliJson<{ ok: boolean; error: { code: string; check: string } }>(['key', 'show', tmp.path('nope.jwk')]),
    ]);
    expect(noOut.code).toBe(2);
    expect(noOut.json.error).toMatchObject({ code: 'missing_option', check: '--out' });
    expect(badAlg.code).toBe(2);
    expect(badAlg.json.error).toMatchObject({ code: 'invalid_option', check: '--alg' });
    expect(missing.code).toBe(2);
    expect(missing.json.ok).toBe(false);
    expect(missing.json.error).toMatchObject({ code: 'unreadable_input', check: '<file>' });
    for (const r of [again, noOut, badAlg, missing]) expect(noStack(r)).toBe(true);
  });

  it('refuses a key file others can read (exit 2)', async () => {
    const file = tmp.path('loose.jwk');
    expect((await cli(['key', 'new', '--out', file])).code).toBe(0);
    await chmod(file, 0o644);
    const [r, byOption] = await Promise.all([
      cliJson<{ error: { code: string; check: string } }>(['key', 'show', file]),
      cliJson<{ error: { code: string; check: string } }>(['key', 'show', '--key', file]),
    ]);
    expect(r.code).toBe(2);
    expect(r.json.error).toMatchObject({ code: 'invalid_key', check: '<file>' });
    expect(r.stderr).toContain('chmod 600');
    expect(byOption.code).toBe(2);
    expect(byOption.json.error).toMatchObject({ code: 'invalid_key', check: '--key' });
  });

  it('takes the key file from AGENT_ID_KEY_FILE', async () => {
    const file = tmp.path('env.jwk');
    const made = await cli(['key', 'new', '--out', file]);
    const r = await cli(['key', 'show'], { env: { AGENT_ID_KEY_FILE: file } });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(made.stdout.trim());
    const none = await cliJson<{ error: { code: string; check: string } }>(['key', 'show'], { env: { AGENT_ID_KEY_FILE: undefined } });
    expect(none.code).toBe(2);
    expect(none.json.error).toMatchObject({ code: 'missing_option', check: '--key' });
    expect(none.stderr).toContain('AGENT_ID_KEY_FILE');
  });
});

describe('agent-id did', () => {
  it('did resolve of a did:key prints its document', async () => {
    const did = (await cli(['key', 'new', '--out', tmp.path('r.jwk')])).stdout.trim();
    const r = await cliJson<{ did: string; document: { id: string; verificationMethod: unknown[] } }>(['did', 'resolve', did]);
    expect(r.code).toBe(0);
    expect(r.json.document.id).toBe(did);
    expect(r.json.document.verificationMethod.length).toBeGreaterThan(0);
    const human = await cli(['did', 'resolve', did]);
    expect((JSON.parse(human.stdout) as { id: string }).id).toBe(did);
  });

  it('did resolve of a malformed DID is bad usage; an unknown method is refused', async () => {
    const [bad, unknown] = await Promise.all([
      cliJson<{ error: { code: string } }>(['did', 'resolve', 'not-a-did']),
      cliJson<{ error: { code: string } }>(['did', 'resolve', 'did:example:123']),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.json.error).toMatchObject({ code: 'invalid_argument', check: '<did>' });
    expect(unknown.code).toBe(1);
    expect(unknown.json.error.code).toBe('unknown_did');
  });

  it('did new web, hosted on 127.0.0.1, resolves only with --allow-http-loopback', async () => {
    const key = tmp.path('web.jwk');
    await cli(['key', 'new', '--out', key]);
    const made = await cliJson<{ did: string; keyId: string; documentPath: string; documentUrl: string; document: { id: string } }>([
      'did', 'new', 'web', '--domain', domain, '--path', 'agents/planner', '--key', key, '--allow-http-loopback',
    ]);
    expect(made.code).toBe(0);
    expect(made.json.did).toBe(`did:web:${domain.replace(':', '%3A')}:agents:planner`);
    expect(made.json.documentPath).toBe('/agents/planner/did.json');
    expect(made.json.documentUrl).toBe(`http://${domain}/agents/planner/did.json`);
    expect(made.json.document.id).toBe(made.json.did);
    expect(made.json.keyId).toBe(`${made.json.did}#key-1`);

    // Human mode: the document on stdout (to redirect into a file), the location on stderr.
    const human = await cli(['did', 'new', 'web', '--domain', domain, '--path', 'agents/planner', '--key', key]);
    expect(human.code).toBe(0);
    expect(JSON.parse(human.stdout)).toEqual(made.json.document);
    expect(human.stderr).toContain(`https://${domain}/agents/planner/did.json`);
    hosted.set(made.json.documentPath, human.stdout);

    const resolved = await cliJson<{ document: { id: string } }>(['did', 'resolve', made.json.did, '--allow-http-loopback']);
    expect(resolved.code).toBe(0);
    expect(resolved.json.document).toEqual(made.json.document);

    // Without the flag the resolver insists on HTTPS, which this server does not speak.
    const https = await cliJson<{ error: { code: string } }>(['did', 'resolve', made.json.did, '--timeout', '2s']);
    expect(https.code).toBe(1);
    expect(https.json.error.code).toBe('did_unreachable');

    const missing = await cliJson<{ error: { code: string } }>(['did', 'resolve', `did:web:${domain.replace(':', '%3A')}:nobody`, '--allow-http-loopback']);
    expect(missing.code).toBe(1);
    expect(missing.json.error.code).toBe('unknown_did');
  });

  it('did new web --out writes the document file', async () => {
    const key = tmp.path('web2.jwk');
    await cli(['key', 'new', '--out', key]);
    const out = tmp.path('did.json');
    const r = await cli(['did', 'new', 'web', '--domain', 'acme.example', '--key', key, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('https://acme.example/.well-known/did.json');
    expect((JSON.parse(await readFile(out, 'utf8')) as { id: string }).id).toBe('did:web:acme.example');
  });
});

describe('agent-id vc', () => {
  it('issue then verify (did:key issuer), refusing untrusted issuers, other agents, expiry via --at', async () => {
    const orgKey = tmp.path('org.jwk');
    const org = (await cli(['key', 'new', '--out', orgKey])).stdout.trim();
    const agent = (await cli(['key', 'new', '--out', tmp.path('agent.jwk')])).stdout.trim();
    const issued = await cli(['vc', 'issue', '--issuer-key', orgKey, '--agent', agent, '--on-behalf-of', 'alice', '--name', 'planner', '--ttl', '1h']);
    expect(issued.code).toBe(0);
    const jwt = issued.stdout.trim();
    expect(jwt.split('.')).toHaveLength(3);
    expect(issued.stderr).not.toContain(jwt);

    const ok = await cliJson<{ ok: boolean; issuer: string; agent: string; onBehalfOf: string; agentName: string; validUntil: string }>(
      ['vc', 'verify', '-', '--trust', org, '--agent', agent],
      { input: `${jwt}\n` },
    );
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, issuer: org, agent, onBehalfOf: 'alice', agentName: 'planner' });

    const later = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const [untrusted, otherAgent, expired, revokedFile] = await Promise.all([
      cliJson<{ error: { code: string; check: string } }>(['vc', 'verify', jwt, '--trust', agent]),
      cliJson<{ error: { code: string } }>(['vc', 'verify', jwt, '--trust', org, '--agent', org]),
      cliJson<{ error: { code: string; check: string } }>(['vc', 'verify', jwt, '--trust', org, '--at', later]),
      (async () => {
        await writeFile(tmp.path('vc.jwt'), jwt);
        return cli(['vc', 'verify', `@${tmp.path('vc.jwt')}`, '--trust', org]);
      })(),
    ]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.json.error.code).toBe('untrusted_issuer');
    expect(otherAgent.code).toBe(1);
    expect(otherAgent.json.error.code).toBe('wrong_subject');
    expect(expired.code).toBe(1);
    expect(expired.json.error).toMatchObject({ code: 'expired', check: 'expiry' });
    expect(expired.stderr).toContain('code: expired');
    expect(revokedFile.code).toBe(0);
    expect(revokedFile.stdout).toContain('valid ownership credential');

    const tampered = `${jwt.slice(0, -4)}${jwt.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const bad = await cliJson<{ error: { code: string } }>(['vc', 'verify', tampered, '--trust', org]);
    expect(bad.code).toBe(1);
    expect(bad.json.error.code).toBe('invalid_signature');
    expect(noStack(bad)).toBe(true);
  });

  it('a did:web organisation issues, verified over 127.0.0.1 with --allow-http-loopback', async () => {
    const key = tmp.path('acme.jwk');
    await cli(['key', 'new', '--out', key]);
    const made = await cliJson<{ did: string; documentPath: string; document: unknown }>(['did', 'new', 'web', '--domain', domain, '--path', 'orgs/acme', '--key', key]);
    hosted.set(made.json.documentPath, JSON.stringify(made.json.document));
    const agent = (await cli(['key', 'new', '--out', tmp.path('acme-agent.jwk')])).stdout.trim();
    const issued = await cliJson<{ credential: string; keyId: string }>(['vc', 'issue', '--agent', agent, '--issuer', made.json.did], {
      env: { AGENT_ID_ISSUER_KEY_FILE: key },
    });
    expect(issued.code).toBe(0);
    expect(issued.json.keyId).toBe(`${made.json.did}#key-1`);
    const ok = await cliJson<{ issuer: string }>(['vc', 'verify', issued.json.credential, '--trust', made.json.did, '--allow-http-loopback']);
    expect(ok.code).toBe(0);
    expect(ok.json.issuer).toBe(made.json.did);
  });

  it('status lists: issue with status, suspend, lift, revoke; verifiers see each over 127.0.0.1', async () => {
    const key = tmp.path('status-org.jwk');
    await cli(['key', 'new', '--out', key]);
    const made = await cliJson<{ did: string; documentPath: string; document: unknown }>(['did', 'new', 'web', '--domain', domain, '--path', 'orgs/status', '--key', key]);
    hosted.set(made.json.documentPath, JSON.stringify(made.json.document));
    const org = made.json.did;
    const agent = (await cli(['key', 'new', '--out', tmp.path('status-agent.jwk')])).stdout.trim();
    const lists = ['--issuer-key', key, '--issuer', org, '--status-dir', tmp.path('status'), '--status-url', `http://${domain}/orgs/status/lists`];
    const publish = async (purpose: string) => {
      const r = await cliJson<{ listCredential: string; statusListCredential: string }>(['vc', 'status-list', ...lists, '--purpose', purpose]);
      expect(r.code).toBe(0);
      hosted.set(new URL(r.json.statusListCredential).pathname, r.json.listCredential);
    };
    const issued = await cliJson<{ credential: string }>(['vc', 'issue', '--agent', agent, '--suspendable', '--data-model', '2.0', ...lists]);
    expect(issued.code).toBe(0);
    const vc = issued.json.credential;
    await publish('revocation');
    await publish('suspension');
    const check = (cmd: 'status' | 'verify') => cliJson<{ ok: boolean; status?: string; error?: { code: string; check: string } }>(['vc', cmd, vc, '--trust', org, '--allow-http-loopback']);

    const active = await check('status');
    expect(active.code).toBe(0);
    expect(active.json).toMatchObject({ ok: true, status: 'active' });
    expect(active.json).toHaveProperty('credentialStatus.length', 2);
    expect((await check('verify')).code).toBe(0);

    const changed = async (args: string[], purpose: string) => {
      const r = await cliJson<{ ok: boolean; listCredential: string; statusListCredential: string }>([...args, vc, ...lists]);
      expect(r.code).toBe(0);
      expect(r.json.statusListCredential.endsWith(purpose)).toBe(true);
      hosted.set(new URL(r.json.statusListCredential).pathname, r.json.listCredential);
    };
    await changed(['vc', 'suspend'], 'suspension');
    const suspended = await check('status');
    expect(suspended.code).toBe(1);
    expect(suspended.json.error).toMatchObject({ code: 'suspended', check: 'credential_status' });
    await changed(['vc', 'suspend', '--lift'], 'suspension');
    expect((await check('status')).code).toBe(0);
    await changed(['vc', 'revoke'], 'revocation');
    for (const r of [await check('status'), await check('verify')]) {
      expect(r.code).toBe(1);
      expect(r.json.error).toMatchObject({ code: 'revoked', check: 'credential_status' });
      expect(noStack(r)).toBe(true);
    }

    // a credential of another issuer cannot flip this organisation's bits
    const otherKey = tmp.path('status-other.jwk');
    await cli(['key', 'new', '--out', otherKey]);
    const foreign = (await cli(['vc', 'issue', '--issuer-key', otherKey, '--agent', agent])).stdout.trim();
    const refused = await cliJson<{ error: { code: string; check: string } }>(['vc', 'revoke', foreign, ...lists]);
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'untrusted_issuer', check: 'status_list_issuer' });
    // missing options are usage errors
    const [noDir, noUrl, badUrl] = await Promise.all([
      cliJson<{ error: { code: string; check: string } }>(['vc', 'revoke', vc, '--issuer-key', key]),
      cliJson<{ error: { code: string; check: string } }>(['vc', 'revoke', vc, '--issuer-key', key, '--status-dir', tmp.path('status')]),
      cliJson<{ error: { code: string; check: string } }>(['vc', 'issue', '--issuer-key', key, '--agent', agent, '--status-dir', tmp.path('status'), '--status-url', 'ftp://x']),
    ]);
    expect(noDir.code).toBe(2);
    expect(noDir.json.error).toMatchObject({ code: 'missing_option', check: '--status-dir' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.json.error).toMatchObject({ code: 'missing_option', check: '--status-url' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.json.error).toMatchObject({ code: 'invalid_option', check: '--status-url' });
  });

  it('bad durations, times and DIDs are exit 2, naming the option', async () => {
    const key = tmp.path('d.jwk');
    await cli(['key', 'new', '--out', key]);
    const agent = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const [ttl, at, trust] = await Promise.all([
      cliJson<{ error: { code: string; check: string } }>(['vc', 'issue', '--issuer-key', key, '--agent', agent, '--ttl', 'soon']),
      cliJson<{ error: { code: string; check: string } }>(['vc', 'verify', 'x.y.z', '--trust', agent, '--at', 'yesterday']),
      cliJson<{ error: { code: string; check: string } }>(['vc', 'verify', 'x.y.z', '--trust', 'did:key:z6Mk']),
    ]);
    expect(ttl.code).toBe(2);
    expect(ttl.json.error).toMatchObject({ code: 'invalid_option', check: '--ttl' });
    expect(at.code).toBe(2);
    expect(at.json.error).toMatchObject({ code: 'invalid_option', check: '--at' });
    expect(trust.code).toBe(2);
    expect(trust.json.error).toMatchObject({ code: 'invalid_option', check: '--trust' });
  });
});
