/**
 * `agent-id key`: key pairs in owner-only private JWK files, and Macaroon root secrets.
 *
 * @module commands/key
 */
import { randomBytes } from 'node:crypto';
import { type KeyType, base64urlEncode } from '@agent-id/core';
import { createAgentIdentity } from '@agent-id/did';
import { saveKeyPair } from '@agent-id/did/node';
import type { Command } from 'commander';
import { type CliContext, KEY_FILE_ENV } from '../context.js';
import { guard } from '../errors.js';
import { assertWritable, isFileError, unwritable, writeOutputFile } from '../io/files.js';
import { keyFilePath, loadKeyFile } from '../io/keys.js';
import { choiceOption, invalidOption, parsedOption } from '../option-values.js';
import { Output } from '../output.js';
import { withJson } from './shared.js';

const ALGORITHMS: Record<string, KeyType> = { ed25519: 'Ed25519', p256: 'P-256', secp256k1: 'secp256k1' };

interface KeyNewOptions {
  alg: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

interface KeySecretOptions {
  out: string;
  kid?: string;
  force?: boolean;
  json?: boolean;
}

interface KeyShowOptions {
  key?: string;
  json?: boolean;
}

/** A Macaroon secret's id: what tokens name it by. */
const secretId = (value: string, option: string): string => {
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(value)) throw invalidOption(option, `${option} must be 1-64 characters of A-Z a-z 0-9 . _ : -`);
  return value;
};

/** Adds `key new`, `key show` and `key secret` to the `key` group. */
export function registerKeyCommands(key: Command, ctx: CliContext): void {
  withJson(
    key
      .command('new')
      .description('create a key pair, save it as a private JWK readable by its owner only, and print its did:key')
      .addOption(choiceOption('--alg <alg>', 'key algorithm', Object.keys(ALGORITHMS)).default('ed25519'))
      .requiredOption('--out <file>', 'where to save the private JWK (mode 0600)')
      .option('--force', 'replace an existing file'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id key new --out planner.jwk\n  did:key:z6Mk…')
    .action(async (opts: KeyNewOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const identity = createAgentIdentity({ keyType: ALGORITHMS[opts.alg]! });
        await assertWritable(opts.out, { overwrite: opts.force === true, what: 'key file', option: '--out' });
        await saveKeyPair(opts.out, identity.keyPair, { overwrite: opts.force === true }).catch((e: unknown) => {
          throw isFileError(e) ? unwritable(e, 'key file', opts.out, '--out') : e;
        });
        out.message(`saved ${identity.keyPair.type} private key to ${opts.out} (mode 0600)`);
        out.result(identity.did, {
          did: identity.did,
          keyId: identity.keyId,
          type: identity.keyPair.type,
          algorithm: identity.keyPair.algorithm,
          file: opts.out,
          publicKeyJwk: identity.keyPair.publicKey.toJwk(),
        });
      });
    });

  withJson(
    key
      .command('show')
      .description("print a key file's did:key, key id and public key (never the secret)")
      .argument('[file]', `private JWK file (default: $${KEY_FILE_ENV})`)
      .option('--key <file>', 'private JWK file (same as the argument)'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id key show planner.jwk')
    .action(async (file: string | undefined, opts: KeyShowOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const path = keyFilePath(ctx, file ?? opts.key, '--key', KEY_FILE_ENV);
        const keyPair = await loadKeyFile(path, file !== undefined ? '<file>' : '--key');
        const identity = createAgentIdentity({ keyPair });
        const data = {
          did: identity.did,
          keyId: identity.keyId,
          type: keyPair.type,
          algorithm: keyPair.algorithm,
          publicKeyJwk: keyPair.publicKey.toJwk(),
        };
        out.result(() => `${data.did}\nkey id:    ${data.keyId}\ntype:      ${data.type} (${data.algorithm})\npublic:    ${JSON.stringify(data.publicKeyJwk)}`, data);
      });
    });

  withJson(
    key
      .command('secret')
      .description('create a Macaroon root secret (32 random bytes) as a symmetric JWK file, mode 0600; prints its id')
      .requiredOption('--out <file>', 'where to save the secret (mode 0600)')
      .addOption(parsedOption('--kid <id>', 'the id tokens name the secret by (default: random)', secretId))
      .option('--force', 'replace an existing file'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id key secret --out acme-root.secret --kid acme-2026')
    .action(async (opts: KeySecretOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const kid = opts.kid ?? `k-${randomBytes(6).toString('hex')}`;
        const jwk = { kty: 'oct', kid, k: base64urlEncode(randomBytes(32)) };
        await writeOutputFile(opts.out, `${JSON.stringify(jwk)}\n`, { overwrite: opts.force === true, mode: 0o600, option: '--out', what: 'secret file' });
        out.message(`saved a 256-bit root secret to ${opts.out} (mode 0600)`);
        out.result(kid, { kid, file: opts.out });
      });
    });
}
