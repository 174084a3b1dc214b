import { chmod, mkdir, open, readFile, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyPair, MalformedInputError } from '@agent-id/core';
import { parseJson } from '@agent-id/core/internal';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Options for {@link saveKeyPair}. */
export interface SaveKeyOptions {
  /** Replace an existing file. Default false: an existing file is never overwritten. */
  overwrite?: boolean;
}

/**
 * Saves a key pair as a private JWK file readable by its owner only (mode 0600), written
 * to a temporary file first and renamed into place so a crash never leaves half a key.
 *
 * @example
 * ```ts
 * await saveKeyPair('agent.jwk', identity.keyPair);
 * ```
 */
export async function saveKeyPair(path: string, keyPair: KeyPair, options: SaveKeyOptions = {}): Promise<void> {
  if (!(keyPair instanceof KeyPair)) throw new TypeError('keyPair must be a KeyPair');
  if (!options.overwrite) {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new TypeError(`${path} exists; pass { overwrite: true } to replace it`);
  }
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(keyPair.exportPrivateJwk())}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/**
 * Loads a key pair from a private JWK file. Refuses files that group or others can read
 * (`malformed_input`, check `key_file_permissions`), as ssh does.
 *
 * @example
 * ```ts
 * const keyPair = await loadKeyPair('agent.jwk');
 * ```
 */
export async function loadKeyPair(path: string): Promise<KeyPair> {
  const info = await stat(path);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new MalformedInputError(`key file ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`, {
      check: 'key_file_permissions',
    });
  }
  const jwk = parseJson(await readFile(path, 'utf8'), { maxBytes: 4096, maxDepth: 2, what: 'key file' });
  return KeyPair.fromJwk(jwk);
}

/**
 * A directory of named key files (mode 0700 directory, 0600 files).
 *
 * @example
 * ```ts
 * const store = await Keystore.open('.agent-keys');
 * await store.save('planner', KeyPair.generate());
 * const kp = await store.load('planner');
 * ```
 */
export class Keystore {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Opens (creating if needed) a keystore directory.
   * @example
   * ```ts
   * const store = await Keystore.open('/var/lib/agent/keys');
   * ```
   */
  static async open(dir: string): Promise<Keystore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    return new Keystore(dir);
  }

  #path(name: string): string {
    if (!NAME.test(name)) throw new TypeError('key name must be 1-64 characters of A-Z a-z 0-9 . _ -');
    return join(this.dir, `${name}.jwk`);
  }

  /** Saves a key under a name (never overwrites unless asked). */
  save(name: string, keyPair: KeyPair, options?: SaveKeyOptions): Promise<void> {
    return saveKeyPair(this.#path(name), keyPair, options);
  }

  /** Loads the key saved under a name. */
  load(name: string): Promise<KeyPair> {
    return loadKeyPair(this.#path(name));
  }

  /** Names of the stored keys. */
  async list(): Promise<string[]> {
    return (await readdir(this.dir)).filter((f) => f.endsWith('.jwk')).map((f) => f.slice(0, -4)).sort();
  }
}
