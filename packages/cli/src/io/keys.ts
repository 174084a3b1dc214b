/**
 * Key, secret and root-key files named by options. They are part of the command line, so
 * under the exit-code rule everything wrong with one is bad usage (exit 2): a file that
 * cannot be read is `unreadable_input`, one that is not the key needed `invalid_key`,
 * naming the option. Secrets never come from the command line itself.
 *
 * @module io/keys
 */
import { stat } from 'node:fs/promises';
import { type KeyPair, PublicKey, base64urlDecode } from '@agent-id/core';
import { isRecord, parseJson } from '@agent-id/core/internal';
import { publicKeyFromDidKey } from '@agent-id/did';
import { loadKeyPair } from '@agent-id/did/node';
import type { CliContext } from '../context.js';
import { UsageError, isPackageError } from '../exit.js';
import { isFileError, readFileLimited, unreadable } from './files.js';

/** Largest key or secret file read (a JWK is a few hundred bytes). */
const MAX_KEY_FILE_BYTES = 16 * 1024;

function invalidKey(option: string, message: string, cause?: unknown): UsageError {
  return new UsageError(message, { code: 'invalid_key', check: option, cause });
}

/** The key file to use: the option's value or the environment variable naming a file. */
export function keyFilePath(ctx: CliContext, value: string | undefined, option: string, env: string): string {
  const path = value ?? ctx.env[env];
  if (path === undefined || path === '') throw new UsageError(`a key file is needed: pass ${option} FILE or set ${env} to the file's path`, { code: 'missing_option', check: option });
  return path;
}

/** A key file's JSON (a JWK), read before anything is checked so the message can say what it is. */
async function readJwk(path: string, option: string, what: string): Promise<unknown> {
  const text = await readFileLimited(path, {
    maxBytes: MAX_KEY_FILE_BYTES,
    what,
    source: option,
    tooLarge: (size) => invalidKey(option, `${what} ${path} is ${size} bytes: not a key file`),
  });
  try {
    return parseJson(text, { maxBytes: MAX_KEY_FILE_BYTES, maxDepth: 2, what: `${what} ${path}` });
  } catch (e) {
    throw invalidKey(option, `${what} ${path} is not a JWK (JSON)`, e);
  }
}

/**
 * A public JWK file given to a verifier (`card verify --key`): read and parsed here, judged
 * (key type, size, private members, kid) by the package it is given to.
 */
export async function readPublicJwkFile(path: string, option: string): Promise<Record<string, unknown>> {
  const jwk = await readJwk(path, option, 'public JWK file');
  if (!isRecord(jwk)) throw invalidKey(option, `public JWK file ${path} is not a JSON object`);
  return jwk;
}

/** Whether a JWK is a public key alone (no private part). */
function isPublicJwk(jwk: unknown): boolean {
  if (!isRecord(jwk) || 'd' in jwk) return false;
  try {
    PublicKey.fromJwk(jwk);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads a private JWK file named by `option` (owner-only permissions, as @agent-id/did
 * requires). A public key is named as such before anything else is said about the file.
 */
export async function loadKeyFile(path: string, option: string, what = 'key file'): Promise<KeyPair> {
  if (isPublicJwk(await readJwk(path, option, what))) {
    throw invalidKey(option, `${what} ${path} is a public key; a private key is needed (agent-id key new makes one)`);
  }
  try {
    return await loadKeyPair(path);
  } catch (e) {
    if (isFileError(e)) throw unreadable(e, what, path, option);
    if (isPackageError(e)) throw invalidKey(option, `${what} ${path}: ${e.message}`, e);
    throw invalidKey(option, `${what} ${path} is not a usable private key`, e);
  }
}

/**
 * Trusted root public keys from `--root` values: a did:key, or a JWK file (public, or
 * private with owner-only permissions, of which only the public part is used).
 */
export async function loadRootPublicKeys(values: readonly string[], option = '--root'): Promise<PublicKey[]> {
  const keys: PublicKey[] = [];
  for (const value of values) {
    if (value.startsWith('did:')) {
      try {
        keys.push(publicKeyFromDidKey(value));
      } catch (e) {
        throw new UsageError(`${option} ${value.slice(0, 64)} is not a did:key (use a did:key or a JWK file)`, { code: 'invalid_option', check: option, cause: e });
      }
      continue;
    }
    const jwk = await readJwk(value, option, 'root key file');
    if (isRecord(jwk) && 'd' in jwk) {
      keys.push((await loadKeyFile(value, option, 'root key file')).publicKey);
      continue;
    }
    try {
      keys.push(PublicKey.fromJwk(jwk));
    } catch (e) {
      throw invalidKey(option, `root key file ${value} is not a public JWK`, e);
    }
  }
  return keys;
}

/** A Macaroon secret: a symmetric JWK file `{"kty":"oct","kid":…,"k":…}`, owner-only. */
export async function loadSecretFile(path: string, option: string, what = 'secret file'): Promise<{ id: string; secret: Uint8Array }> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (e) {
    throw unreadable(e, what, path, option);
  }
  // A file that holds a secret must be readable by its owner only, as ssh insists.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw invalidKey(option, `${what} ${path} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  }
  const jwk = await readJwk(path, option, what);
  const fields = isRecord(jwk) ? jwk : {};
  if (fields.kty !== 'oct' || typeof fields.kid !== 'string' || fields.kid === '' || typeof fields.k !== 'string') {
    throw invalidKey(option, `${what} ${path} is not a symmetric JWK ({"kty":"oct","kid":…,"k":…}); create one with agent-id key secret`);
  }
  let secret: Uint8Array;
  try {
    secret = base64urlDecode(fields.k, 'secret');
  } catch (e) {
    throw invalidKey(option, `${what} ${path}: "k" is not base64url`, e);
  }
  if (secret.length < 32) throw invalidKey(option, `${what} ${path}: the secret must be at least 32 bytes`);
  return { id: fields.kid, secret };
}
