import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cliJson, noStack } from './helpers.js';
import { AUDIENCE, type ErrorJson, tokenFixture, tokenSuite } from './token-suite.js';

const f = tokenFixture();
tokenSuite(f, 'biscuit');

describe('agent-id token: bad usage is exit 2, with a code and the option at fault', () => {
  it('missing roots, unknown options, conflicting expiry, nothing to revoke', async () => {
    const biscuit = (await readFile(f.tmp.path('biscuit.t0'), 'utf8')).trim();
    const [noRoot, unknown, both, noTarget, twoTargets] = await Promise.all([
      cliJson<ErrorJson>(['token', 'authorize', biscuit, '--presenter', f.did.p, '--resource', 'r', '--action', 'a', '--audience', AUDIENCE]),
      cliJson<ErrorJson>(['token', 'inspect', biscuit, '--frobnicate']),
      cliJson<ErrorJson>(['token', 'attenuate', biscuit, '--key', f.key('p'), '--to', f.did.s1, '--root', f.did.org, '--ttl', '5m', '--expires', '2030-01-01T00:00:00Z']),
      cliJson<ErrorJson>(['token', 'revoke', '--store', f.tmp.path('x.jsonl')]),
      cliJson<ErrorJson>(['token', 'revoke', '--store', f.tmp.path('x.jsonl'), '--user', 'alice', '--agent', f.did.p]),
    ]);
    for (const r of [noRoot, unknown, both, noTarget, twoTargets]) {
      expect(r.code, r.stderr).toBe(2);
      expect(noStack(r)).toBe(true);
    }
    expect(noRoot.json.error).toMatchObject({ code: 'missing_option', check: '--root' });
    expect(unknown.json.error).toMatchObject({ code: 'usage', check: 'arguments' });
    expect(both.json.error).toMatchObject({ code: 'usage', check: '--expires' });
    expect(noTarget.json.error).toMatchObject({ code: 'missing_option', check: 'target' });
    expect(twoTargets.json.error).toMatchObject({ code: 'usage', check: 'target' });
  });

  it('option values that do not parse: duration, time, count, hop', async () => {
    const [ttl, at, depth, hop] = await Promise.all([
      cliJson<ErrorJson>(['token', 'attenuate', `@${f.tmp.path('biscuit.t0')}`, '--key', f.key('p'), '--to', f.did.s1, '--root', f.did.org, '--ttl', 'soon']),
      cliJson<ErrorJson>(['token', 'authorize', `@${f.tmp.path('biscuit.t3')}`, '--root', f.did.org, '--presenter', f.did.s3, '--resource', 'r', '--action', 'a', '--audience', AUDIENCE, '--at', 'yesterday']),
      cliJson<ErrorJson>(['token', 'attenuate', `@${f.tmp.path('biscuit.t0')}`, '--key', f.key('p'), '--to', f.did.s1, '--root', f.did.org, '--max-depth', 'two']),
      cliJson<ErrorJson>(['token', 'revoke', `@${f.tmp.path('biscuit.t3')}`, '--root', f.did.org, '--hop', '9', '--store', f.tmp.path('hop.jsonl')]),
    ]);
    expect([ttl.code, at.code, depth.code, hop.code]).toEqual([2, 2, 2, 2]);
    expect(ttl.json.error).toMatchObject({ code: 'invalid_option', check: '--ttl' });
    expect(at.json.error).toMatchObject({ code: 'invalid_option', check: '--at' });
    expect(depth.json.error).toMatchObject({ code: 'invalid_option', check: '--max-depth' });
    expect(hop.json.error).toMatchObject({ code: 'invalid_option', check: '--hop' });
  });
});
