import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cli, cliJson } from './helpers.js';
import { type AllowJson, AUDIENCE, type ErrorJson, tokenFixture, tokenSuite } from './token-suite.js';

const f = tokenFixture();
tokenSuite(f, 'macaroon');

describe('agent-id token: Macaroon third-party caveats (cross-organisation check)', () => {
  it('mint with a third-party caveat; refused until discharged, bound and presented', async () => {
    expect((await cli(['key', 'secret', '--out', f.tmp.path('shared.secret'), '--kid', 'globex-1'])).code).toBe(0);
    const minted = await cli([
      'token', 'mint', '--format', 'macaroon', '--root-secret', f.tmp.path('root.secret'), '--issuer', 'did:web:acme.example',
      '--agent', f.did.p, '--user', 'alice', '--task', 'tp', '--resource', 'files:/*', '--action', 'read', '--audience', AUDIENCE, '--ttl', '1h',
      '--third-party', 'https://globex.example/discharge', '--third-party-secret', f.tmp.path('shared.secret'),
    ]);
    expect(minted.code, minted.stderr).toBe(0);
    const t1 = await cli(['token', 'attenuate', '-', '--key', f.key('p'), '--to', f.did.s1], { input: minted.stdout });
    expect(t1.code, t1.stderr).toBe(0);
    await writeFile(f.tmp.path('tp1'), t1.stdout);
    const view = await cliJson<{ thirdPartyCaveats: { caveatId: string; location: string; condition: string; keyId: string }[] }>(['token', 'inspect', `@${f.tmp.path('tp1')}`]);
    expect(view.json.thirdPartyCaveats).toHaveLength(1);
    const caveat = view.json.thirdPartyCaveats[0]!;
    expect(caveat).toMatchObject({ location: 'https://globex.example/discharge', condition: 'delegation-live', keyId: 'globex-1' });

    const authorizeTp = (extra: string[]) =>
      cliJson<ErrorJson | AllowJson>(['token', 'authorize', `@${f.tmp.path('tp1')}`, '--root-secret', f.tmp.path('root.secret'), '--presenter', f.did.s1, '--resource', 'files:/a', '--action', 'read', '--audience', AUDIENCE, ...extra]);
    const [undischarged, discharge, refusedCondition] = await Promise.all([
      authorizeTp([]),
      cli(['token', 'discharge', caveat.caveatId, '--secret', f.tmp.path('shared.secret'), '--ttl', '1m', '--expect-condition', 'delegation-live']),
      cliJson<ErrorJson>(['token', 'discharge', caveat.caveatId, '--secret', f.tmp.path('shared.secret'), '--ttl', '1m', '--expect-condition', 'other']),
    ]);
    expect(undischarged.code).toBe(1);
    expect(undischarged.json).toMatchObject({ error: { code: 'denied', check: 'third_party' } });
    expect(discharge.code, discharge.stderr).toBe(0);
    expect(refusedCondition.code).toBe(1);
    await writeFile(f.tmp.path('discharge'), discharge.stdout);
    const bound = await cli(['token', 'bind', `@${f.tmp.path('tp1')}`, '-'], { input: discharge.stdout });
    expect(bound.code, bound.stderr).toBe(0);
    await writeFile(f.tmp.path('discharge.bound'), bound.stdout);

    const [allowed, late, unbound] = await Promise.all([
      authorizeTp(['--discharge', `@${f.tmp.path('discharge.bound')}`]),
      authorizeTp(['--discharge', `@${f.tmp.path('discharge.bound')}`, '--at', new Date(Date.now() + 5 * 60_000).toISOString()]),
      authorizeTp(['--discharge', `@${f.tmp.path('discharge')}`]),
    ]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.json).toMatchObject({ allowed: true, agent: f.did.s1 });
    expect(late.code).toBe(1);
    expect(late.json).toMatchObject({ error: { code: 'expired' } });
    expect(unbound.code).toBe(1);
    expect(unbound.json).toMatchObject({ error: { code: 'invalid_signature' } });
  });
});

