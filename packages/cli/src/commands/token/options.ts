/**
 * The options several `token` subcommands share — trusted roots, expiry, the evaluation
 * time, Macaroon third-party caveats — and what their values mean.
 *
 * @module commands/token/options
 */
import { type Clock, fixedClock, systemClock } from '@agent-id/core';
import type { ThirdPartyCaveatSpec, TokenFormat } from '@agent-id/tokens';
import { type Command, Option } from 'commander';
import { type CliContext, UsageError, loadSecretFile, parseDurationArg, parseTimeArg } from '../../io.js';
import { collect } from '../shared.js';

/** `--ttl`, `--expires` and the `--at` they count from. */
export interface ExpiryOptions {
  ttl?: string;
  expires?: string;
  at?: string;
}

/** `--third-party`, `--third-party-secret`, `--third-party-condition` (Macaroon). */
export interface ThirdPartyOptions {
  thirdParty?: string;
  thirdPartySecret?: string;
  thirdPartyCondition: string;
}

/** `--root`: the trusted Biscuit root keys (repeatable). */
export const rootOption = (): Option =>
  new Option('--root <did-or-file>', "trusted root key for Biscuit: the organisation's did:key or a JWK file (repeatable)").argParser(collect);

/** Adds `--ttl` and `--expires`; `what` names the lifetime (`token`, `new`, `discharge`). */
export const expiryOptions = (command: Command, what: string): Command =>
  command.option('--ttl <duration>', `${what} lifetime from now (or from --at), e.g. 15m, 2h`).option('--expires <time>', `${what} expiry, ISO 8601`);

/** Adds the Macaroon third-party caveat options. */
export const thirdPartyOptions = (command: Command): Command =>
  command
    .option('--third-party <location>', 'Macaroon: add a third-party caveat the holder must discharge with the organisation at LOCATION')
    .option('--third-party-secret <file>', 'Macaroon: the secret shared with that organisation (agent-id key secret; its kid names it)')
    .option('--third-party-condition <text>', 'Macaroon: what the third party must confirm', 'delegation-live');

/** The clock of `--at` (evaluate as of a time), or the system clock. */
export function clockOf(at: string | undefined): Clock {
  return at === undefined ? systemClock : fixedClock(parseTimeArg(at, '--at'));
}

/** Expiry in seconds since the epoch from `--ttl` (relative to `--at`/now) or `--expires`. */
export function expiryOf(opts: ExpiryOptions, required: boolean): number | undefined {
  if (opts.ttl !== undefined && opts.expires !== undefined) throw new UsageError('give --ttl or --expires, not both');
  if (opts.ttl !== undefined) return Math.floor((clockOf(opts.at)() + parseDurationArg(opts.ttl, '--ttl')) / 1000);
  if (opts.expires !== undefined) return Math.floor(parseTimeArg(opts.expires, '--expires') / 1000);
  if (required) throw new UsageError('an expiry is needed: --ttl DURATION (e.g. 15m) or --expires TIME');
  return undefined;
}

/** A Macaroon third-party caveat from `--third-party LOCATION --third-party-secret FILE`. */
export async function thirdPartyOf(ctx: CliContext, opts: ThirdPartyOptions, format: TokenFormat): Promise<ThirdPartyCaveatSpec[] | undefined> {
  if (opts.thirdParty === undefined && opts.thirdPartySecret === undefined) return undefined;
  if (format !== 'macaroon') throw new UsageError('third-party caveats are a Macaroon feature');
  if (opts.thirdParty === undefined || opts.thirdPartySecret === undefined) {
    throw new UsageError('a third-party caveat needs both --third-party LOCATION and --third-party-secret FILE');
  }
  const shared = await loadSecretFile(ctx, opts.thirdPartySecret, 'third-party secret file');
  return [{ location: opts.thirdParty, keyId: shared.id, secret: shared.secret, condition: opts.thirdPartyCondition }];
}
