/**
 * `agent-id token attenuate`: the holder hands a token on to another agent, narrowed.
 *
 * @module commands/token/attenuate
 */
import type { Scope } from '@agent-id/core';
import { attenuate } from '@agent-id/tokens';
import type { Command } from 'commander';
import { guard } from '../../errors.js';
import { type CliContext, KEY_FILE_ENV, Output, fingerprint, keyFilePath, loadKeyFile, parseCountArg, readTokenArg } from '../../io.js';
import { collect, withJson } from '../shared.js';
import { type ExpiryOptions, type ThirdPartyOptions, expiryOf, expiryOptions, rootOption, thirdPartyOf, thirdPartyOptions } from './options.js';
import { biscuitRoots, tokenFormat } from './read.js';

interface AttenuateOptions extends ExpiryOptions, ThirdPartyOptions {
  key?: string;
  to: string;
  resource?: string[];
  action?: string[];
  audience?: string[];
  maxDepth?: string;
  root?: string[];
  json?: boolean;
}

/** Adds `token attenuate` to the `token` group. */
export function registerAttenuate(token: Command, ctx: CliContext): void {
  const command = token
    .command('attenuate')
    .description('hand a token on to another agent, narrowed (offline; your key signs the hop)')
    .argument('<token>', 'the token: itself, @FILE, or - for standard input')
    .option('--key <file>', `your private JWK file: you must be the token's holder (default: $${KEY_FILE_ENV})`)
    .requiredOption('--to <did>', 'the delegate agent (a did:key for Biscuit)')
    .option('--resource <resource...>', 'keep only these resources (repeatable; each within the parent)', collect)
    .option('--action <action...>', 'keep only these actions (repeatable)', collect)
    .option('--audience <did...>', 'keep only these audiences (repeatable)', collect);
  withJson(
    thirdPartyOptions(
      expiryOptions(command, 'new')
        .option('--max-depth <n>', 'further delegations allowed below the delegate (default: one less than now)')
        .option('--at <time>', 'the time --ttl counts from, ISO 8601 (default now)')
        .addOption(rootOption()),
    ),
  )
    .addHelpText(
      'after',
      `
Example:
  $ agent-id token attenuate - --key planner.jwk --to did:key:z6Mk… \\
      --resource 'files:/reports/q3/*' --action read --ttl 15m < token > token.2`,
    )
    .action(async (tokenArg: string, opts: AttenuateOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readTokenArg(ctx, tokenArg);
        const format = tokenFormat(text);
        const roots = await biscuitRoots(ctx, format, opts.root, 'attenuating');
        const signer = await loadKeyFile(keyFilePath(ctx, opts.key, '--key', KEY_FILE_ENV));
        const expiresAt = expiryOf(opts, false);
        const narrowing: Partial<Scope> = {
          ...(opts.resource !== undefined ? { resources: opts.resource } : {}),
          ...(opts.action !== undefined ? { actions: opts.action } : {}),
          ...(opts.audience !== undefined ? { audience: opts.audience } : {}),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
          ...(opts.maxDepth !== undefined ? { maxDepth: parseCountArg(opts.maxDepth, '--max-depth') } : {}),
        };
        const thirdPartyCaveats = await thirdPartyOf(ctx, opts, format);
        const child = await attenuate(text, {
          to: opts.to,
          signer,
          narrowing,
          ...(roots !== undefined ? { rootPublicKey: roots } : {}),
          ...(thirdPartyCaveats !== undefined ? { thirdPartyCaveats } : {}),
        });
        const serialized = child.serialize();
        out.message(`attenuated ${child.format} token to ${opts.to}: ${fingerprint(serialized)}`);
        out.result(serialized, { token: serialized, format: child.format, size: child.size, to: opts.to, narrowing });
      });
    });
}
