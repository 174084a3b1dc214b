/**
 * Everything the CLI does with the outside world: standard input (`-`), files read with
 * size limits, key files, argument syntax (times, durations), and output in human or
 * JSON form. No decision about identities, tokens or cards is made here.
 *
 * @module io
 */
import { chmod, open, readFile, stat, writeFile } from 'node:fs/promises';
import { type KeyPair, PublicKey, base64urlDecode, parseDuration } from '@agent-id/core';
import { loadKeyPair, publicKeyFromDidKey } from '@agent-id/did';
import { type CliContext, UsageError, isPackageError } from './context.js';

export {
  type CliContext,
  EXIT,
  ISSUER_KEY_FILE_ENV,
  KEY_FILE_ENV,
  Output,
  ROOT_KEY_FILE_ENV,
  ROOT_SECRET_FILE_ENV,
  Refusal,
  UsageError,
  errorJson,
  processContext,
} from './context.js';

/** Largest token accepted from an argument, a file or standard input. */
export const MAX_TOKEN_BYTES = 64 * 1024;
/** Largest JSON document (card, DID document, revocation list) read from a file. */
export const MAX_JSON_BYTES = 1024 * 1024;
/** Largest audit log read. */
export const MAX_LOG_BYTES = 256 * 1024 * 1024;

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}

function describeFsError(e: unknown, what: string, path: string): UsageError {
  const code = errnoCode(e);
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EEXIST'
            ? 'already exists'
            : 'cannot be read';
  return new UsageError(`${what} ${path}: ${reason}`, { code: 'unreadable_input', check: 'file', cause: e });
}

/** Reads all of standard input (once per run), refusing more than `maxBytes`. */
export async function readStdin(ctx: CliContext, maxBytes: number, what: string): Promise<string> {
  if (ctx.stdinUsed) throw new UsageError(`only one argument can be read from standard input ("-"), ${what} too`);
  ctx.stdinUsed = true;
  if ((ctx.stdin as { isTTY?: boolean }).isTTY === true) throw new UsageError(`${what} is read from standard input ("-"), but it is a terminal: pipe or redirect it in`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of ctx.stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    total += buf.length;
    if (total > maxBytes) {
      throw new UsageError(`${what} on standard input exceeds ${maxBytes} bytes`, { code: 'input_too_large', check: 'size_limit' });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a text file (or `-` for standard input), refusing files above `maxBytes` before reading. */
export async function readTextInput(ctx: CliContext, path: string, maxBytes: number, what: string): Promise<string> {
  if (path === '-') return readStdin(ctx, maxBytes, what);
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    size = info.size;
  } catch (e) {
    throw describeFsError(e, what, path);
  }
  if (size > maxBytes) throw new UsageError(`${what} ${path} is ${size} bytes, above the limit of ${maxBytes}`, { code: 'input_too_large', check: 'size_limit' });
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw describeFsError(e, what, path);
  }
}

/** Parses JSON the user handed over as a file; a syntax error is unreadable input (exit 2). */
export function parseJsonInput(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not valid JSON`, { code: 'malformed_input', check: 'parse' });
  }
}

/**
 * A TOKEN argument: `-` reads standard input, `@FILE` reads a file, anything else is the
 * token itself. Surrounding whitespace is dropped; the `--json` output of `mint` and
 * `attenuate` (an object with a `token` member) is accepted as well, so pipelines work
 * in either output mode.
 */
export async function readTokenArg(ctx: CliContext, arg: string, what = 'token'): Promise<string> {
  let text: string;
  if (arg === '-') text = await readStdin(ctx, MAX_TOKEN_BYTES, what);
  else if (arg.startsWith('@')) text = await readTextInput(ctx, arg.slice(1), MAX_TOKEN_BYTES, `${what} file`);
  else {
    if (Buffer.byteLength(arg, 'utf8') > MAX_TOKEN_BYTES) throw new UsageError(`${what} exceeds ${MAX_TOKEN_BYTES} bytes`, { code: 'input_too_large', check: 'size_limit' });
    text = arg;
  }
  text = text.trim();
  if (text.startsWith('{')) {
    const parsed = parseJsonInput(text, what);
    const token = typeof parsed === 'object' && parsed !== null ? (parsed as { token?: unknown }).token : undefined;
    if (typeof token !== 'string') throw new UsageError(`${what}: JSON input has no "token" string`, { code: 'malformed_input', check: 'parse' });
    text = token.trim();
  }
  if (text.length === 0) throw new UsageError(arg === '-' ? `no ${what} on standard input` : `empty ${what}`, { code: 'malformed_input', check: 'parse' });
  return text;
}

/** The key file to use: the option's value or the environment variable naming a file. */
export function keyFilePath(ctx: CliContext, value: string | undefined, option: string, env: string): string {
  const path = value ?? ctx.env[env];
  if (path === undefined || path === '') throw new UsageError(`a key file is needed: pass ${option} FILE or set ${env} to the file's path`);
  return path;
}

/** Loads a private JWK file (owner-only permissions required); every failure is exit 2. */
export async function loadKeyFile(path: string, what = 'key file'): Promise<KeyPair> {
  try {
    return await loadKeyPair(path);
  } catch (e) {
    if (isPackageError(e)) throw new UsageError(`${what} ${path}: ${e.message}`, { code: e.code, check: e.check, cause: e });
    if (errnoCode(e) !== undefined) throw describeFsError(e, what, path);
    throw new UsageError(`${what} ${path} is not a usable private key`, { code: 'malformed_input', check: 'secret_key', cause: e });
  }
}

/** A file that holds a secret must be readable by its owner only, as ssh insists. */
async function assertOwnerOnly(path: string, what: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (e) {
    throw describeFsError(e, what, path);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new UsageError(`${what} ${path} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`, {
      code: 'malformed_input',
      check: 'key_file_permissions',
    });
  }
}

/**
 * Trusted root public keys from `--root` values: a did:key, or a JWK file (public, or
 * private with owner-only permissions, of which only the public part is used).
 */
export async function loadRootPublicKeys(ctx: CliContext, values: readonly string[]): Promise<PublicKey[]> {
  const keys: PublicKey[] = [];
  for (const value of values) {
    if (value.startsWith('did:')) {
      try {
        keys.push(publicKeyFromDidKey(value));
      } catch (e) {
        throw new UsageError(`--root ${value.slice(0, 64)} is not a did:key (use a did:key or a JWK file)`, { code: 'malformed_input', check: 'root_key', cause: e });
      }
      continue;
    }
    const jwk = parseJsonInput(await readTextInput(ctx, value, 16 * 1024, 'root key file'), `root key file ${value}`);
    if (typeof jwk === 'object' && jwk !== null && 'd' in jwk) {
      keys.push((await loadKeyFile(value, 'root key file')).publicKey);
      continue;
    }
    try {
      keys.push(PublicKey.fromJwk(jwk));
    } catch (e) {
      throw new UsageError(`root key file ${value} is not a public JWK`, { code: 'malformed_input', check: 'root_key', cause: e });
    }
  }
  return keys;
}

/** A Macaroon root secret: a symmetric JWK file `{"kty":"oct","kid":…,"k":…}`, owner-only. */
export async function loadSecretFile(ctx: CliContext, path: string, what = 'secret file'): Promise<{ id: string; secret: Uint8Array }> {
  await assertOwnerOnly(path, what);
  const jwk = parseJsonInput(await readTextInput(ctx, path, 4096, what), `${what} ${path}`);
  const fields = typeof jwk === 'object' && jwk !== null ? (jwk as { kty?: unknown; kid?: unknown; k?: unknown }) : {};
  if (fields.kty !== 'oct' || typeof fields.kid !== 'string' || fields.kid === '' || typeof fields.k !== 'string') {
    throw new UsageError(`${what} ${path} is not a symmetric JWK ({"kty":"oct","kid":…,"k":…}); create one with agent-id key secret`, {
      code: 'malformed_input',
      check: 'secret_key',
    });
  }
  let secret: Uint8Array;
  try {
    secret = base64urlDecode(fields.k, 'secret');
  } catch (e) {
    throw new UsageError(`${what} ${path}: "k" is not base64url`, { code: 'malformed_input', check: 'secret_key', cause: e });
  }
  if (secret.length < 32) throw new UsageError(`${what} ${path}: the secret must be at least 32 bytes`, { code: 'malformed_input', check: 'secret_key' });
  return { id: fields.kid, secret };
}

/** Writes a result file; refuses to replace an existing one unless `overwrite`. */
export async function writeOutputFile(path: string, text: string, options: { overwrite?: boolean; mode?: number } = {}): Promise<void> {
  try {
    if (!options.overwrite) {
      const handle = await open(path, 'wx', options.mode ?? 0o644);
      try {
        await handle.writeFile(text, 'utf8');
      } finally {
        await handle.close();
      }
      return;
    }
    await writeFile(path, text, { encoding: 'utf8', mode: options.mode ?? 0o644 });
    if (options.mode !== undefined) await chmod(path, options.mode);
  } catch (e) {
    throw describeFsError(e, 'output file', path);
  }
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 time argument, as epoch milliseconds. */
export function parseTimeArg(text: string, option: string): number {
  const ms = ISO_8601.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`${option} must be an ISO 8601 time such as 2030-01-01T00:00:00Z, got "${text.slice(0, 40)}"`);
  return ms;
}

/** A duration argument (`90s`, `15m`, `2h`, `7d`), as milliseconds. */
export function parseDurationArg(text: string, option: string): number {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new TypeError('zero');
    return ms;
  } catch {
    throw new UsageError(`${option} must be a positive duration such as 30s, 15m, 2h or 7d, got "${text.slice(0, 40)}"`);
  }
}

/** A non-negative integer argument. */
export function parseCountArg(text: string, option: string): number {
  if (!/^\d{1,6}$/.test(text)) throw new UsageError(`${option} must be a non-negative integer, got "${text.slice(0, 40)}"`);
  return Number(text);
}

/** A short, safe view of a secret-ish value (a token): never printed in full in messages. */
export function fingerprint(value: string): string {
  return value.length <= 16 ? `${value.slice(0, 4)}…` : `${value.slice(0, 10)}…${value.slice(-6)} (${value.length} chars)`;
}

/** Formats epoch seconds or milliseconds as ISO 8601. */
export function isoFromSeconds(seconds: number): string {
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : String(seconds);
}

/** Formats epoch milliseconds as ISO 8601. */
export function isoFromMillis(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
