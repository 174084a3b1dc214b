/**
 * `agent-id token mint`: the organisation's root authority mints a capability.
 *
 * @module commands/token/mint
 */
import type { Capability } from '@agent-id/core';
import { type CapabilityToken, type TokenFormat, inspect, mintCapability } from '@agent-id/tokens';
import { type Command, Option } from 'commander';
import { guard } from '../../errors.js';
import {
  type CliContext,
  Output,
  ROOT_KEY_FILE_ENV,
  ROOT_SECRET_FILE_ENV,
  UsageError,
  fingerprint,
  isoFromSeconds,
  keyFilePath,
  loadKeyFile,
  loadSecretFile,
  parseCountArg,
} from '../../io.js';
import { collect, withJson } from '../shared.js';
import { type ExpiryOptions, type ThirdPartyOptions, expiryOf, expiryOptions, thirdPartyOf, thirdPartyOptions } from './options.js';

interface MintOptions extends ExpiryOptions, ThirdPartyOptions {
  format: TokenFormat;
  agent: string;
  user: string;
  task: string;
  resource: string[];
  action: string[];
  audience: string[];
  maxDepth: string;
  rootKey?: string;
  rootSecret?: string;
  issuer?: string;
  json?: boolean;
}

/** Adds `token mint` to the `token` group. */
export function registerMint(token: Command, ctx: CliContext): void {
  const command = token
    .command('mint')
    .description("mint a capability as the organisation's root authority")
    .addOption(new Option('--format <format>', 'token format').choices(['biscuit', 'macaroon']).makeOptionMandatory())
    .requiredOption('--agent <did>', 'the agent the capability is minted to (a did:key for Biscuit: it signs the next hop)')
    .requiredOption('--user <user>', 'the user or organisation on whose behalf the agent acts')
    .requiredOption('--task <id>', 'the task the capability is for')
    .requiredOption('--resource <resource...>', 'resource names or prefix patterns ending in * (repeatable)', collect)
    .requiredOption('--action <action...>', 'actions (repeatable)', collect)
    .requiredOption('--audience <did...>', 'DIDs of the services that may accept it (repeatable)', collect);
  withJson(
    thirdPartyOptions(
      expiryOptions(command, 'token')
        .option('--max-depth <n>', 'how many further delegations are allowed', '3')
        .option('--root-key <file>', `Biscuit: the organisation's private JWK file (default: $${ROOT_KEY_FILE_ENV})`)
        .option('--root-secret <file>', `Macaroon: the organisation's root secret file (default: $${ROOT_SECRET_FILE_ENV})`)
        .option('--issuer <did>', "the organisation's DID (Biscuit default: the root key's did:key; required for Macaroon)"),
    ),
  )
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
          maxDepth: parseCountArg(opts.maxDepth, '--max-depth'),
        };
        let minted: CapabilityToken;
        let issuer: string;
        if (opts.format === 'biscuit') {
          if (opts.rootSecret !== undefined) throw new UsageError('--root-secret is for Macaroon tokens; a Biscuit is signed with --root-key');
          await thirdPartyOf(ctx, opts, 'biscuit');
          const rootKey = await loadKeyFile(keyFilePath(ctx, opts.rootKey, '--root-key', ROOT_KEY_FILE_ENV), 'root key file');
          minted = await mintCapability(capability, { format: 'biscuit', rootKey, ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}) });
          issuer = opts.issuer ?? (await inspect(minted, { rootPublicKey: rootKey.publicKey })).issuer;
        } else {
          if (opts.rootKey !== undefined) throw new UsageError('--root-key is for Biscuit tokens; a Macaroon is keyed with --root-secret');
          if (opts.issuer === undefined) throw new UsageError("a Macaroon needs --issuer (the organisation's DID)");
          const rootSecret = await loadSecretFile(ctx, keyFilePath(ctx, opts.rootSecret, '--root-secret', ROOT_SECRET_FILE_ENV), 'root secret file');
          const thirdPartyCaveats = await thirdPartyOf(ctx, opts, 'macaroon');
          minted = await mintCapability(capability, {
            format: 'macaroon',
            rootSecret,
            issuer: opts.issuer,
            ...(thirdPartyCaveats !== undefined ? { thirdPartyCaveats } : {}),
          });
          issuer = opts.issuer;
        }
        const text = minted.serialize();
        out.message(`minted ${minted.format} token ${fingerprint(text)} for ${opts.agent}: task ${opts.task}, expires ${isoFromSeconds(expiresAt)}`);
        out.result(text, {
          token: text,
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
