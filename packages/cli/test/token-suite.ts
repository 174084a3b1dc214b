// The `agent-id token` tests, shared by token-biscuit.test.ts and token-macaroon.test.ts (two
// files, so the two formats run in parallel).
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, noStack, pipeline, sh, tempDir } from './helpers.js';

export interface AuditJson {
  decision: string;
  code?: string;
  agent: string;
  onBehalfOf: string;
  chain: { to: string }[];
}

export interface ErrorJson {
  ok: false;
  allowed?: false;
  error: { code: string; check: string; message: string };
}

export interface AllowJson {
  ok: true;
  allowed: true;
  format: string;
  agent: string;
  onBehalfOf: string;
  issuer: string;
  task: string;
  chain: { from: string; to: string; granted: { resources: string[]; actions: string[]; maxDepth: number } }[];
  revocationIds: string[];
  record: { decision: string; agent: string; onBehalfOf: string };
}

type Name = 'org' | 'p' | 's1' | 's2' | 's3';

/** Keys (org, p, s1..s3) and a Macaroon root secret in a temp dir, made before this file's tests. */
export interface TokenFixture {
  tmp: Awaited<ReturnType<typeof tempDir>>;
  did: Record<Name, string>;
  key(name: Name): string;
}

export const AUDIENCE = 'did:web:files.example';

export function tokenFixture(): TokenFixture {
  const f = {
    did: { org: '', p: '', s1: '', s2: '', s3: '' },
    key: (name: Name) => f.tmp.path(`${name}.jwk`),
  } as TokenFixture;
  beforeAll(async () => {
    f.tmp = await tempDir();
    const names = Object.keys(f.did) as Name[];
    const made = await Promise.all(names.map((n) => cli(['key', 'new', '--out', f.key(n)])));
    names.forEach((n, i) => {
      f.did[n] = made[i]!.stdout.trim();
    });
    const secret = await cli(['key', 'secret', '--out', f.tmp.path('root.secret'), '--kid', 'acme-2026']);
    expect(secret.code).toBe(0);
    expect(secret.stdout.trim()).toBe('acme-2026');
  });
  afterAll(async () => {
    await f.tmp.cleanup();
  });
  return f;
}

/** Mint, attenuate three times, authorize, audit, revoke and inspect, in one format. */
export function tokenSuite(f: TokenFixture, format: 'biscuit' | 'macaroon'): void {
  describe(`agent-id token (${format})`, () => {
    const file = (name: string) => f.tmp.path(`${format}.${name}`);
    /** What attenuate/inspect/revoke need to read the token. */
    const read = () => (format === 'biscuit' ? ['--root', f.did.org] : []);
    /** What authorize needs to trust the root. */
    const trust = () => (format === 'biscuit' ? ['--root', f.did.org] : ['--root-secret', f.tmp.path('root.secret')]);
    const mint = () => [
      'token', 'mint', '--format', format,
      ...(format === 'biscuit' ? ['--root-key', f.key('org')] : ['--root-secret', f.tmp.path('root.secret'), '--issuer', 'did:web:acme.example']),
      '--agent', f.did.p, '--user', 'alice', '--task', 'q3-report',
      '--resource', 'files:/reports/*', '--action', 'read', 'write', '--audience', AUDIENCE, '--ttl', '1h', '--max-depth', '3',
    ];
    const hops = () => [
      ['token', 'attenuate', '-', '--key', f.key('p'), '--to', f.did.s1, '--action', 'read', ...read()],
      ['token', 'attenuate', '-', '--key', f.key('s1'), '--to', f.did.s2, '--resource', 'files:/reports/q3/*', ...read()],
      ['token', 'attenuate', '-', '--key', f.key('s2'), '--to', f.did.s3, '--ttl', '30m', ...read()],
    ];
    const authorizeArgs = (token: string, resource: string, action: string, presenter = f.did.s3) => [
      'token', 'authorize', token, ...trust(), '--presenter', presenter, '--resource', resource, '--action', action, '--audience', AUDIENCE, '--task', 'q3-report',
    ];
    const tokens: string[] = [];

    it('mint | attenuate | attenuate | attenuate | authorize -: allowed, with the whole chain', async () => {
      const tee = (i: number) => ['@raw', 'tee', sh(file(`t${i}`))];
      const [h1, h2, h3] = hops();
      const r = await pipeline([
        mint(), tee(0), h1!, tee(1), h2!, tee(2), h3!, tee(3),
        [...authorizeArgs('-', 'files:/reports/q3/summary.pdf', 'read'), '--audit', file('audit.jsonl'), '--json'],
      ]);
      expect(r.code, r.stderr).toBe(0);
      const verdict = JSON.parse(r.stdout) as AllowJson;
      expect(verdict).toMatchObject({ ok: true, allowed: true, format, agent: f.did.s3, onBehalfOf: 'alice', task: 'q3-report' });
      expect(verdict.chain.map((h) => h.to)).toEqual([f.did.p, f.did.s1, f.did.s2, f.did.s3]);
      expect(verdict.chain[1]!.from).toBe(f.did.p);
      expect(verdict.chain[3]!.granted.resources).toEqual(['files:/reports/q3/*']);
      expect(verdict.chain[3]!.granted.actions).toEqual(['read']);
      expect(verdict.revocationIds).toHaveLength(4);
      expect(verdict.record).toMatchObject({ decision: 'allow', agent: f.did.s3, onBehalfOf: 'alice' });
      for (let i = 0; i < 4; i++) tokens.push((await readFile(file(`t${i}`), 'utf8')).trim());
      // Messages never echo a whole token.
      for (const t of tokens) expect(r.stderr).not.toContain(t);

      const shown = await cliJson<{ entries: { record: { agent: string; decision: string } }[] }>(['audit', 'show', file('audit.jsonl'), '--agent', f.did.s3]);
      expect(shown.code).toBe(0);
      expect(shown.json.entries).toHaveLength(1);
      expect(shown.json.entries[0]!.record.decision).toBe('allow');
    });

    it('mint | attenuate | attenuate | attenuate | authorize -: denied (exit 1, code and check)', async () => {
      const r = await pipeline([mint(), ...hops(), [...authorizeArgs('-', 'files:/reports/q3/summary.pdf', 'write'), '--json']]);
      expect(r.code).toBe(1);
      const verdict = JSON.parse(r.stdout) as ErrorJson;
      expect(verdict).toMatchObject({ ok: false, allowed: false, error: { code: 'denied', check: 'actions' } });
      expect(r.stderr).toContain('code: denied');

      const human = await pipeline([['@raw', 'cat', sh(file('t3'))], authorizeArgs('-', 'files:/reports/q4/plan.pdf', 'read')]);
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/^denied/);
      expect(human.stderr).toMatch(/code: denied, check: resources/);
    });

    it('refuses widening (exit 1 with its code) and delegation by anyone but the holder', async () => {
      const [action, resource, expiry, depth, notHolder] = await Promise.all([
        cliJson<ErrorJson>(['token', 'attenuate', `@${file('t1')}`, '--key', f.key('s1'), '--to', f.did.s2, '--action', 'write', ...read()]),
        cliJson<ErrorJson>(['token', 'attenuate', `@${file('t2')}`, '--key', f.key('s2'), '--to', f.did.s3, '--resource', 'files:/*', ...read()]),
        cliJson<ErrorJson>(['token', 'attenuate', `@${file('t1')}`, '--key', f.key('s1'), '--to', f.did.s2, '--ttl', '3h', ...read()]),
        cliJson<ErrorJson>(['token', 'attenuate', `@${file('t3')}`, '--key', f.key('s3'), '--to', f.did.p, ...read()]),
        cliJson<ErrorJson>(['token', 'attenuate', `@${file('t1')}`, '--key', f.key('p'), '--to', f.did.s2, ...read()]),
      ]);
      expect(action.code).toBe(1);
      expect(action.json.error).toMatchObject({ code: 'scope_widened', check: 'actions' });
      expect(action.stderr).toContain('code: scope_widened');
      expect(action.stdout).not.toContain('"token"');
      expect(resource.code).toBe(1);
      expect(resource.json.error).toMatchObject({ code: 'scope_widened', check: 'resources' });
      expect(expiry.code).toBe(1);
      expect(expiry.json.error).toMatchObject({ code: 'scope_widened', check: 'expiry' });
      expect(depth.code).toBe(1);
      expect(depth.json.error.code).toBe('depth_exceeded');
      expect(notHolder.code).toBe(1);
      expect(notHolder.json.error.code).toBe('holder_mismatch');
    });

    it('refuses a tampered token', async () => {
      const t3 = tokens[3]!;
      const at = Math.floor(t3.length / 2);
      const tampered = `${t3.slice(0, at)}${t3[at] === 'A' ? 'B' : 'A'}${t3.slice(at + 1)}`;
      await writeFile(file('tampered'), tampered);
      const r = await cliJson<ErrorJson>(authorizeArgs(`@${file('tampered')}`, 'files:/reports/q3/summary.pdf', 'read'));
      expect(r.code).toBe(1);
      expect(['invalid_signature', 'malformed_input']).toContain(r.json.error.code);
      expect(noStack(r)).toBe(true);
      const garbage = await cliJson<ErrorJson>(authorizeArgs('not-a-token!', 'files:/reports/q3/summary.pdf', 'read'));
      expect(garbage.code).toBe(1);
      expect(garbage.json.error.code).toBe('malformed_input');
      expect(noStack(garbage)).toBe(true);
    });

    it('refuses an expired token as of --at, and other presenters and audiences', async () => {
      const later = new Date(Date.now() + 2 * 3_600_000).toISOString();
      const [expired, stillValid, presenter, audience] = await Promise.all([
        cliJson<ErrorJson>([...authorizeArgs(`@${file('t3')}`, 'files:/reports/q3/summary.pdf', 'read'), '--at', later]),
        cliJson<AllowJson>([...authorizeArgs(`@${file('t3')}`, 'files:/reports/q3/summary.pdf', 'read'), '--at', new Date(Date.now() + 60_000).toISOString()]),
        cliJson<ErrorJson>(authorizeArgs(`@${file('t3')}`, 'files:/reports/q3/summary.pdf', 'read', f.did.s2)),
        cliJson<ErrorJson>(['token', 'authorize', `@${file('t3')}`, ...trust(), '--presenter', f.did.s3, '--resource', 'files:/reports/q3/a', '--action', 'read', '--audience', 'did:web:other.example']),
      ]);
      expect(expired.code).toBe(1);
      expect(expired.json.error).toMatchObject({ code: 'expired', check: 'expiry' });
      expect(stillValid.code).toBe(0);
      expect(presenter.code).toBe(1);
      expect(presenter.json.error.code).toBe('holder_mismatch');
      expect(audience.code).toBe(1);
      expect(audience.json.error.code).toBe('wrong_audience');
    });

    it('--datalog also runs biscuit-wasm and decides the same', async () => {
      const [allowed, denied] = await Promise.all([
        cliJson<AllowJson>([...authorizeArgs(`@${file('t3')}`, 'files:/reports/q3/summary.pdf', 'read'), '--datalog']),
        cliJson<ErrorJson>([...authorizeArgs(`@${file('t3')}`, 'files:/reports/q3/summary.pdf', 'write'), '--datalog']),
      ]);
      expect(allowed.code).toBe(0);
      expect(allowed.json).toMatchObject({ allowed: true, agent: f.did.s3 });
      expect(denied.code).toBe(1);
      expect(denied.json.error.code).toBe('denied');
    });

    it('--audit records denials too: the verified chain, or nothing from a forged token', async () => {
      const log = file('denials.jsonl');
      const refused = await cliJson<ErrorJson>([...authorizeArgs(`@${file('t3')}`, 'files:/reports/q3/summary.pdf', 'write'), '--audit', log]);
      const forged = await cliJson<ErrorJson>([...authorizeArgs(`@${file('tampered')}`, 'files:/reports/q3/summary.pdf', 'read'), '--audit', log]);
      const garbage = await cliJson<ErrorJson>([...authorizeArgs('not-a-token!', 'files:/reports/q3/summary.pdf', 'read'), '--audit', log]);
      expect([refused.code, forged.code, garbage.code]).toEqual([1, 1, 1]);
      // Line 1 is the log's header ({created, format, logId}); the entries follow.
      const records = (await readFile(log, 'utf8')).trim().split('\n').slice(1).map((line) => (JSON.parse(line) as { record: AuditJson }).record);
      expect(records).toHaveLength(3);
      expect(records[2]).toMatchObject({ decision: 'deny', code: 'malformed_input', onBehalfOf: 'unverified', chain: [] });
      expect(records[0]).toMatchObject({ decision: 'deny', code: 'denied', agent: f.did.s3, onBehalfOf: 'alice', action: 'write', task: 'q3-report', verifier: AUDIENCE });
      expect(records[0]!.chain.map((h) => h.to)).toEqual([f.did.p, f.did.s1, f.did.s2, f.did.s3]);
      expect(records[1]).toMatchObject({ decision: 'deny', onBehalfOf: 'unverified', chain: [] });
      expect(['invalid_signature', 'malformed_input']).toContain(records[1]!.code);
      const verified = await cli(['audit', 'verify', log]);
      expect(verified.code, verified.stderr).toBe(0);
    });

    it('revokes one hop (and what derives from it), an agent, a user', async () => {
      const [byToken, byAgent, byUser] = await Promise.all([
        cliJson<{ ok: boolean; revoked: { kind: string; id: string } }>(['token', 'revoke', `@${file('t2')}`, '--store', file('rev-token.jsonl'), ...read()]),
        cliJson<{ revoked: { kind: string; did: string } }>(['token', 'revoke', '--agent', f.did.s2, '--store', file('rev-agent.jsonl'), '--reason', 'compromised']),
        cliJson<{ revoked: { kind: string; id: string } }>(['token', 'revoke', '--user', 'alice', '--store', file('rev-user.jsonl')]),
      ]);
      expect(byToken.code).toBe(0);
      expect(byToken.json.revoked.kind).toBe('token');
      expect(byAgent.json.revoked).toMatchObject({ kind: 'agent', did: f.did.s2 });
      expect(byUser.json.revoked).toMatchObject({ kind: 'principal', id: 'alice' });

      const check = (token: string, store: string, presenter = f.did.s3) =>
        cliJson<ErrorJson | AllowJson>([...authorizeArgs(`@${file(token)}`, 'files:/reports/q3/summary.pdf', 'read', presenter), '--revocations', file(store)]);
      const [hop, above, agent, user] = await Promise.all([
        check('t3', 'rev-token.jsonl'),
        check('t1', 'rev-token.jsonl', f.did.s1),
        check('t3', 'rev-agent.jsonl'),
        check('t3', 'rev-user.jsonl'),
      ]);
      expect(hop.code).toBe(1);
      expect(hop.json).toMatchObject({ ok: false, error: { code: 'revoked', check: 'revocation_token' } });
      expect(above.code).toBe(0);
      expect(agent.code).toBe(1);
      expect(agent.json).toMatchObject({ error: { code: 'revoked', check: 'revocation_agent' } });
      expect(user.code).toBe(1);
      expect(user.json).toMatchObject({ error: { code: 'revoked', check: 'revocation_principal' } });
    });

    it('inspect shows every hop (unverified view)', async () => {
      const r = await cliJson<{ verified: boolean; chain: { from: string; to: string }[]; blocks: { revocationId: string }[] }>([
        'token', 'inspect', '-', ...read(),
      ], { input: tokens[3] });
      expect(r.code).toBe(0);
      expect(r.json.verified).toBe(false);
      expect(r.json.chain.map((h) => `${h.from}>${h.to}`)).toEqual([
        `${format === 'biscuit' ? f.did.org : 'did:web:acme.example'}>${f.did.p}`,
        `${f.did.p}>${f.did.s1}`,
        `${f.did.s1}>${f.did.s2}`,
        `${f.did.s2}>${f.did.s3}`,
      ]);
      const human = await cli(['token', 'inspect', `@${file('t3')}`, ...read()]);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('UNVERIFIED');
      expect(human.stdout).toContain(f.did.s3);
    });
  });
}
