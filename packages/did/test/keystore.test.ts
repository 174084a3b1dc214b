import { chmod, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEY_TYPES, KeyPair } from '@agent-id/core';
import { describe, expect, it } from 'vitest';
import { Keystore, loadKeyPair, saveKeyPair } from '../src/node.js';
import { expectCode } from '@agent-id/test-support';

describe('keystore', () => {
  it.each([...KEY_TYPES])('%s: saves owner-only and loads back', async (type) => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-id-ks-'));
    const kp = KeyPair.generate(type);
    const path = join(dir, 'agent.jwk');
    await saveKeyPair(path, kp);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const loaded = await loadKeyPair(path);
    expect(loaded.publicKey.equals(kp.publicKey)).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8')).d).toBeTypeOf('string');
  });

  it('never overwrites unless asked, and refuses group/world-readable key files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-id-ks-'));
    const path = join(dir, 'agent.jwk');
    await saveKeyPair(path, KeyPair.generate());
    await expect(saveKeyPair(path, KeyPair.generate())).rejects.toThrow(TypeError);
    await saveKeyPair(path, KeyPair.generate(), { overwrite: true });
    await chmod(path, 0o644);
    await expectCode(loadKeyPair(path), 'malformed_input', 'key_file_permissions');
  });

  it('a keystore directory holds named keys, 0700', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'agent-id-ks-')), 'keys');
    const store = await Keystore.open(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const kp = KeyPair.generate('secp256k1');
    await store.save('planner', kp);
    await store.save('worker', KeyPair.generate());
    expect(await store.list()).toEqual(['planner', 'worker']);
    expect((await store.load('planner')).publicKey.equals(kp.publicKey)).toBe(true);
    expect(() => store.load('../etc/passwd')).toThrow(TypeError);
  });

  it('refuses corrupt key files with codes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-id-ks-'));
    const { writeFile } = await import('node:fs/promises');
    const cases: [string, string][] = [
      ['not json', 'malformed_input'],
      ['{"kty":"OKP","crv":"Ed25519","x":"AAAA"}', 'malformed_input'],
      [JSON.stringify({ ...KeyPair.generate().exportPrivateJwk(), x: KeyPair.generate().publicKey.toJwk().x }), 'key_mismatch'],
      ['x'.repeat(10_000), 'input_too_large'],
    ];
    for (const [i, [text, code]] of cases.entries()) {
      const path = join(dir, `k${i}.jwk`);
      await writeFile(path, text, { mode: 0o600 });
      await expectCode(loadKeyPair(path), code);
    }
  });
});
