/**
 * `agent-id token mint`: the organisation's root authority mints a capability.
 *
 * @module commands/token/mint
 */
import type { Capability } from '@agent-id/core';
import { type CapabilityToken, type TokenFormat, inspectToken, mintCapability } from '@agent-id/tokens';
import type { Command } from 'commander';
import { type CliContext, ROOT_KEY_FILE_ENV, ROOT_SECRET_FILE_ENV } from '../../context.js';
import { guard } from '../../errors.js';
import { UsageError } from '../../exit.js';
import { keyFilePath, loadKeyFile, loadSecretFile } from '../../io/keys.js';
import { did } from '../../did-values.js';
import { asGiven, choiceOption, count, listOption, parsedOption } from '../../option-values.js';
import { Output, fingerprint, isoFromSeconds } from '../../output.js';
import { withJson } from '../shared.js';
import { type ExpiryOptions, type ThirdPartyOptions, expiryOf, thirdPartyOf, withExpiry, withThirdParty } from './options.js';

interface MintOptions extends ExpiryOptions, ThirdPartyOptions {
  format: TokenFormat;
  agent: string;
  user: string;
  task: string;
  resource: string[];
  action: string[];
  audience: string[];
  maxDepth: number;
  rootKey?: string;
  rootSecret?: string;
  issuer?: string;
  json?: boolean;
}

/** Mints a Biscuit with the root key pair; returns the token and the issuer it names. */
async function mintBiscuit(ctx: CliContext, capability: Capability, opts: MintOptions): Promise<{ minted: CapabilityToken; issuer: string }> {
  if (opts.rootSecret !== undefined) throw new UsageError('--root-secret is for Macaroon tokens; a Biscuit is signed with --root-key', { code: 'usage', check: '--root-secret' });
  await thirdPartyOf(opts, 'biscuit');
  const rootKey = await loadKeyFile(keyFilePath(ctx, opts.rootKey, '--root-key', ROOT_KEY_FILE_ENV), '--root-key', 'root key file');
  const minted = await mintCapability(capability, { format: 'biscuit', rootKey, ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}) });
  // The issuer the token names (mint's default when none was given), read natively: no WebAssembly.
  return { minted, issuer: opts.issuer ?? (await inspectToken(minted)).issuer };
}

/** Mints a Macaroon with the root secret; returns the token and the issuer it names. */
async function mintMacaroon(ctx: CliContext, capability: Capability, opts: MintOptions): Promise<{ minted: CapabilityToken; issuer: string }> {
  if (opts.rootKey !== undefined) throw new UsageError('--root-key is for Biscuit tokens; a Macaroon is keyed with --root-secret', { code: 'usage', check: '--root-key' });
  if (opts.issuer === undefined) throw new UsageError("a Macaroon needs --issuer (the organisation's DID)", { code: 'missing_option', check: '--issuer' });
  const rootSecret = await loadSecretFile(keyFilePath(ctx, opts.rootSecret, '--root-secret', ROOT_SECRET_FILE_ENV), '--root-secret', 'root secret file');
  const thirdPartyCaveats = await thirdPartyOf(opts, 'macaroon');
  const minted = await mintCapability(capability, { format: 'macaroon', rootSecret, issuer: opts.issuer, ...(thirdPartyCaveats !== undefined ? { thirdPartyCaveats } : {}) });
  return { minted, issuer: opts.issuer };
}

/** Adds `token mint` to the `token` group. */
export function registerMint(token: Command, ctx: CliContext): void {
  const command = token
    .command('mint')
    .description("mint a capability as the organisation's root authority")
    .addOption(choiceOption('--format <format>', 'token format', ['biscuit', 'macaroon']).makeOptionMandatory())
    .addOption(parsedOption('--agent <did>', 'the agent the capability is minted to (a did:key for Biscuit: it signs the next hop)', did).makeOptionMandatory())
    .requiredOption('--user <user>', 'the user or organisation on whose behalf the agent acts')
    .requiredOption('--task <id>', 'the task the capability is for')
    .addOption(listOption('--resource <resource...>', 'resource names or prefix patterns ending in * (repeatable)', asGiven).makeOptionMandatory())
    .addOption(listOption('--action <action...>', 'actions (repeatable)', asGiven).makeOptionMandatory())
    .addOption(listOption('--audience <did...>', 'DIDs of the services that may accept it (repeatable)', did).makeOptionMandatory());
  withExpiry(command, 'token', true)
    .addOption(parsedOption('--max-depth <n>', 'how many further delegations are allowed', count).default(3))
    .option('--root-key <file>', `Biscuit: the organisation's private JWK file (required, or $${ROOT_KEY_FILE_ENV})`)
    .option('--root-secret <file>', `Macaroon: the organisation's root secret file (required, or $${ROOT_SECRET_FILE_ENV})`)
    .addOption(parsedOption('--issuer <did>', "the organisation's DID (Biscuit default: the root key's did:key; required for Macaroon)", did));
  withThirdParty(command);
  withJson(command)
    .addHelpText(
      'after',
      `
Example:
  $ agent-id token mint --format biscuit --root-key acme.jwk --agent did:key:z6Mk… \\
      --user alice --task q3-report --resource 'files:/reports/*' --action read \\
      --audience did:web:files.example --ttl 1h --max-depth 3 > token`,
    )
    .action(async (opts: MintOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const expiresAt = expiryOf(opts, true)!;
        const capability: Capability = {
          holder: opts.agent,
          onBehalfOf: opts.user,
          task: opts.task,
          resources: opts.resource,
          actions: opts.action,
          audience: opts.audience,
          expiresAt,
          maxDepth: opts.maxDepth,
        };
        const { minted, issuer } = opts.format === 'biscuit' ? await mintBiscuit(ctx, capability, opts) : await mintMacaroon(ctx, capability, opts);
        const serialized = minted.serialize();
        out.message(`minted ${minted.format} token ${fingerprint(serialized)} for ${opts.agent}: task ${opts.task}, expires ${isoFromSeconds(expiresAt)}`);
        out.result(serialized, {
          token: serialized,
          format: minted.format,
          size: minted.size,
          issuer,
          holder: capability.holder,
          onBehalfOf: capability.onBehalfOf,
          task: capability.task,
          scope: {
            resources: capability.resources,
            actions: capability.actions,
            audience: capability.audience,
            expiresAt: capability.expiresAt,
            maxDepth: capability.maxDepth,
          },
          expires: isoFromSeconds(expiresAt),
        });
      });
    });
}
