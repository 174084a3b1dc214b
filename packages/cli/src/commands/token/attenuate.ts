/**
 * `agent-id token attenuate`: the holder hands a token on to another agent, narrowed.
 *
 * @module commands/token/attenuate
 */
import type { Scope } from '@agent-id/core';
import { attenuate } from '@agent-id/tokens';
import type { Command } from 'commander';
import { type CliContext, KEY_FILE_ENV } from '../../context.js';
import { guard } from '../../errors.js';
import { readTokenArg } from '../../io/input.js';
import { keyFilePath, loadKeyFile } from '../../io/keys.js';
import { did } from '../../did-values.js';
import { asGiven, count, listOption, parsedOption } from '../../option-values.js';
import { Output, fingerprint } from '../../output.js';
import { withJson } from '../shared.js';
import { type ExpiryOptions, type ThirdPartyOptions, expiryOf, thirdPartyOf, withAt, withExpiry, withRoot, withThirdParty } from './options.js';
import { biscuitRoots, tokenFormat } from './read.js';

interface AttenuateOptions extends ExpiryOptions, ThirdPartyOptions {
  key?: string;
  to: string;
  resource?: string[];
  action?: string[];
  audience?: string[];
  maxDepth?: number;
  root?: string[];
  json?: boolean;
}

/** The narrowing the options ask for (only what was given). */
function narrowingOf(opts: AttenuateOptions): Partial<Scope> {
  const expiresAt = expiryOf(opts, false);
  return {
    ...(opts.resource !== undefined ? { resources: opts.resource } : {}),
    ...(opts.action !== undefined ? { actions: opts.action } : {}),
    ...(opts.audience !== undefined ? { audience: opts.audience } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(opts.maxDepth !== undefined ? { maxDepth: opts.maxDepth } : {}),
  };
}

/** Adds `token attenuate` to the `token` group. */
export function registerAttenuate(token: Command, ctx: CliContext): void {
  const command = token
    .command('attenuate')
    .description('hand a token on to another agent, narrowed (offline; your key signs the hop)')
    .argument('<token>', 'the token: itself, @FILE, or - for standard input')
    .option('--key <file>', `your private JWK file: you must be the token's holder (required, or $${KEY_FILE_ENV})`)
    .addOption(parsedOption('--to <did>', 'the delegate agent (a did:key for Biscuit)', did).makeOptionMandatory())
    .addOption(listOption('--resource <resource...>', 'keep only these resources (repeatable; each within the parent)', asGiven))
    .addOption(listOption('--action <action...>', 'keep only these actions (repeatable)', asGiven))
    .addOption(listOption('--audience <did...>', 'keep only these audiences (repeatable)', did));
  withExpiry(command, 'new', false);
  command.addOption(parsedOption('--max-depth <n>', 'further delegations allowed below the delegate (default: one less than now)', count));
  withAt(command, 'the time --ttl counts from');
  withRoot(command, 'required for a Biscuit');
  withThirdParty(command);
  withJson(command)
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
        const text = await readTokenArg(ctx, tokenArg, { source: '<token>' });
        const format = tokenFormat(text);
        const roots = await biscuitRoots(format, opts.root, 'attenuating');
        const signer = await loadKeyFile(keyFilePath(ctx, opts.key, '--key', KEY_FILE_ENV), '--key');
        const narrowing = narrowingOf(opts);
        const thirdPartyCaveats = await thirdPartyOf(opts, format);
        const child = await attenuate(text, {
          to: opts.to,
          signer,
          narrowing,
          ...(roots !== undefined ? { trustedRoots: roots } : {}),
          ...(thirdPartyCaveats !== undefined ? { thirdPartyCaveats } : {}),
        });
        const serialized = child.serialize();
        out.message(`attenuated ${child.format} token to ${opts.to}: ${fingerprint(serialized)}`);
        out.result(serialized, { token: serialized, format: child.format, size: child.size, to: opts.to, narrowing });
      });
    });
}
