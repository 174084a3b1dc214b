import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { verifyAuditLog } from '@agent-id/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliJson, noStack, tempDir } from './helpers.js';

// One rule: 0 done or allowed; 1 refused (a package refused what the command judged);
// 2 bad usage (the command cannot run as typed). Each class of input below always gets
// the same exit and the same error code, wherever it comes from.

interface ErrorJson {
  ok: false;
  error: { code: string; check: string; message: string };
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
let org = '';
let agent = '';
let token = '';
const AUDIENCE = 'did:web:files.example';

beforeAll(async () => {
  tmp = await tempDir();
  const [o, a] = await Promise.all([
    cliJson<{ did: string; publicKeyJwk: unknown }>(['key', 'new', '--out', tmp.path('org.jwk')]),
    cliJson<{ did: string }>(['key', 'new', '--out', tmp.path('agent.jwk')]),
  ]);
  org = o.json.did;
  agent = a.json.did;
  await writeFile(tmp.path('org.pub.jwk'), JSON.stringify(o.json.publicKeyJwk));
  const minted = await cliJson<{ token: string }>([
    'token', 'mint', '--format', 'biscuit', '--root-key', tmp.path('org.jwk'), '--agent', agent, '--user', 'alice', '--task', 't',
    '--resource', 'files:/*', '--action', 'read', '--audience', AUDIENCE, '--ttl', '1h',
  ]);
  expect(minted.code, minted.stderr).toBe(0);
  token = minted.json.token;
  await writeFile(tmp.path('token'), token);
});

afterAll(async () => {
  await tmp.cleanup();
});

const authorize = (tokenArg: string, extra: string[] = []) =>
  cliJson<ErrorJson>(['token', 'authorize', tokenArg, '--root', org, '--presenter', agent, '--resource', 'files:/a', '--action', 'read', '--audience', AUDIENCE, ...extra]);

function expectError(r: CliResult & { json: ErrorJson }, exit: number, error: Partial<ErrorJson['error']>): void {
  expect(r.code, r.stderr).toBe(exit);
  expect(r.json).toMatchObject({ ok: false, error });
  expect(r.stderr).toContain(`code: ${error.code}`);
  expect(noStack(r)).toBe(true);
}

describe('exit 1: a package refused what the command judged', () => {
  it('garbage and empty standard input are the same class: refused, malformed_input', async () => {
    const [garbage, empty, blank, garbageArg] = await Promise.all([
      cliJson<ErrorJson>(['token', 'inspect', '-', '--root', org], { input: 'not a token!\n' }),
      cliJson<ErrorJson>(['token', 'inspect', '-', '--root', org], { input: '' }),
      cliJson<ErrorJson>(['token', 'attenuate', '-', '--key', tmp.path('agent.jwk'), '--to', org, '--root', org], { input: ' \n\t\n' }),
      cliJson<ErrorJson>(['token', 'inspect', 'not-a-token!', '--root', org]),
    ]);
    for (const r of [garbage, empty, blank, garbageArg]) expectError(r, 1, { code: 'malformed_input', check: 'parse' });
  });

  it('an empty token presented to authorize is a denial, audited like garbage', async () => {
    const log = tmp.path('audit.jsonl');
    const [empty, garbage] = [await authorize('-', ['--audit', log]), await authorize('garbage!', ['--audit', log])];
    for (const r of [empty, garbage]) expectError(r, 1, { code: 'malformed_input', check: 'parse' });
    const entries = await verifyAuditLog(log);
    expect(entries.map((e) => [e.record.decision, e.record.code])).toEqual([
      ['deny', 'malformed_input'],
      ['deny', 'malformed_input'],
    ]);
  });

  it('a refused token: forged, expired as of --at, presented by another agent', async () => {
    const forged = `${token.slice(0, 40)}${token[40] === 'A' ? 'B' : 'A'}${token.slice(41)}`;
    const [bad, expired, other] = await Promise.all([
      authorize(forged),
      authorize(`@${tmp.path('token')}`, ['--at', new Date(Date.now() + 2 * 3_600_000).toISOString()]),
      cliJson<ErrorJson>(['token', 'authorize', token, '--root', org, '--presenter', org, '--resource', 'files:/a', '--action', 'read', '--audience', AUDIENCE]),
    ]);
    expect(bad.code).toBe(1);
    expect(['invalid_signature', 'malformed_input']).toContain(bad.json.error.code);
    expectError(expired, 1, { code: 'expired', check: 'expiry' });
    expectError(other, 1, { code: 'holder_mismatch' });
  });

  it('token content above the size limit, from a file or standard input', async () => {
    await writeFile(tmp.path('huge'), 'A'.repeat(70 * 1024));
    const [file, stdin] = await Promise.all([
      cliJson<ErrorJson>(['token', 'inspect', `@${tmp.path('huge')}`, '--root', org]),
      cliJson<ErrorJson>(['token', 'inspect', '-', '--root', org], { input: 'A'.repeat(70 * 1024) }),
    ]);
    for (const r of [file, stdin]) expectError(r, 1, { code: 'input_too_large' });
  });
});

describe('exit 0: done or allowed', () => {
  it('an allowed token', async () => {
    const r = await cliJson<{ ok: true; allowed: true; agent: string }>(['token', 'authorize', '-', '--root', org, '--presenter', agent, '--resource', 'files:/a', '--action', 'read', '--audience', AUDIENCE], { input: token });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, allowed: true, agent });
  });
});

describe('exit 2: the command cannot run as typed', () => {
  it('a DID option that is not a DID: invalid_option naming the option', async () => {
    const [to, presenter, agentOption, nonCanonical] = await Promise.all([
      cliJson<ErrorJson>(['token', 'attenuate', token, '--key', tmp.path('agent.jwk'), '--to', 'not-a-did', '--root', org]),
      cliJson<ErrorJson>(['token', 'authorize', token, '--root', org, '--presenter', 'bob', '--resource', 'files:/a', '--action', 'read', '--audience', AUDIENCE]),
      cliJson<ErrorJson>(['token', 'revoke', '--agent', 'did:key:zNope', '--store', tmp.path('rev.jsonl')]),
      cliJson<ErrorJson>(['token', 'attenuate', token, '--key', tmp.path('agent.jwk'), '--to', 'did:web:Files.Example', '--root', org]),
    ]);
    expectError(to, 2, { code: 'invalid_option', check: '--to' });
    expectError(presenter, 2, { code: 'invalid_option', check: '--presenter' });
    expectError(agentOption, 2, { code: 'invalid_option', check: '--agent' });
    expectError(nonCanonical, 2, { code: 'invalid_option', check: '--to' });
    expect(nonCanonical.json.error.message).toContain('did:web:files.example');
  });

  it('a missing required option: missing_option naming it', async () => {
    const [flag, key] = await Promise.all([
      cliJson<ErrorJson>(['token', 'mint', '--format', 'biscuit', '--user', 'alice']),
      cliJson<ErrorJson>(['token', 'attenuate', token, '--to', org, '--root', org], { env: { AGENT_ID_KEY_FILE: undefined } }),
    ]);
    expectError(flag, 2, { code: 'missing_option', check: '--agent' });
    expectError(key, 2, { code: 'missing_option', check: '--key' });
  });

  it('a file that cannot be read: unreadable_input naming the argument or option', async () => {
    await mkdir(tmp.path('a-directory'));
    const [missingToken, directory, missingKey, missingRoot] = await Promise.all([
      cliJson<ErrorJson>(['token', 'inspect', `@${tmp.path('nope')}`, '--root', org]),
      cliJson<ErrorJson>(['audit', 'verify', tmp.path('a-directory')]),
      cliJson<ErrorJson>(['token', 'attenuate', token, '--key', tmp.path('nope.jwk'), '--to', org, '--root', org]),
      cliJson<ErrorJson>(['token', 'inspect', token, '--root', tmp.path('nope.jwk')]),
    ]);
    expectError(missingToken, 2, { code: 'unreadable_input', check: '<token>' });
    expectError(directory, 2, { code: 'unreadable_input', check: '<log>' });
    expectError(missingKey, 2, { code: 'unreadable_input', check: '--key' });
    expectError(missingRoot, 2, { code: 'unreadable_input', check: '--root' });
  });

  it('an existing output file: output_exists, and the file is kept', async () => {
    await writeFile(tmp.path('taken'), 'kept\n');
    const [keyNew, secret] = await Promise.all([
      cliJson<ErrorJson>(['key', 'new', '--out', tmp.path('taken')]),
      cliJson<ErrorJson>(['key', 'secret', '--out', tmp.path('taken')]),
    ]);
    expectError(keyNew, 2, { code: 'output_exists', check: '--out' });
    expectError(secret, 2, { code: 'output_exists', check: '--out' });
    expect(await readFile(tmp.path('taken'), 'utf8')).toBe('kept\n');
  });

  it('an output file that cannot be written: unwritable_output', async () => {
    const [keyFile, auditLog] = await Promise.all([
      cliJson<ErrorJson>(['key', 'new', '--out', tmp.path('no-such-dir/k.jwk')]),
      authorize(token, ['--audit', tmp.path('no-such-dir/audit.jsonl')]),
    ]);
    expectError(keyFile, 2, { code: 'unwritable_output', check: '--out' });
    expectError(auditLog, 2, { code: 'unwritable_output', check: '--audit' });
  });

  it('a public key where a private key is needed says so first: invalid_key', async () => {
    await chmod(tmp.path('org.pub.jwk'), 0o644);
    const [key, rootKey] = await Promise.all([
      cliJson<ErrorJson>(['token', 'attenuate', token, '--key', tmp.path('org.pub.jwk'), '--to', org, '--root', org]),
      cliJson<ErrorJson>([
        'token', 'mint', '--format', 'biscuit', '--root-key', tmp.path('org.pub.jwk'), '--agent', agent, '--user', 'alice', '--task', 't',
        '--resource', 'files:/*', '--action', 'read', '--audience', AUDIENCE, '--ttl', '1h',
      ]),
    ]);
    expectError(key, 2, { code: 'invalid_key', check: '--key' });
    expectError(rootKey, 2, { code: 'invalid_key', check: '--root-key' });
    for (const r of [key, rootKey]) expect(r.json.error.message).toContain('is a public key; a private key is needed');
  });

  it('a choice outside its list, and an unknown option', async () => {
    const [format, unknown] = await Promise.all([
      cliJson<ErrorJson>(['token', 'mint', '--format', 'jwt']),
      cliJson<ErrorJson>(['token', 'inspect', token, '--root', org, '--frobnicate']),
    ]);
    expectError(format, 2, { code: 'invalid_option', check: '--format' });
    expectError(unknown, 2, { code: 'usage', check: 'arguments' });
  });
});

describe('token inspect', () => {
  it('reads a Biscuit with --root or without it: the same unverified chain either way', async () => {
    type View = { verified: boolean; chain: { to: string }[]; text: string };
    const [view, noRoot] = await Promise.all([
      cliJson<View>(['token', 'inspect', token, '--root', tmp.path('org.pub.jwk')]),
      cliJson<View>(['token', 'inspect', token]),
    ]);
    for (const r of [view, noRoot]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.verified).toBe(false);
      expect(r.json.chain.map((h) => h.to)).toEqual([agent]);
      expect(r.json.text).toContain('UNVERIFIED');
    }
  });
});
