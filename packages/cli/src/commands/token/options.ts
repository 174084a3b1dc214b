/**
 * The options several `token` subcommands share — trusted roots, expiry, the evaluation
 * time, Macaroon third-party caveats — and what their values mean.
 *
 * @module commands/token/options
 */
import { type Clock, fixedClock, systemClock } from '@agent-id/core';
import type { ThirdPartyCaveatSpec, TokenFormat } from '@agent-id/tokens';
import type { Command } from 'commander';
import { UsageError } from '../../exit.js';
import { loadSecretFile } from '../../io/keys.js';
import { asGiven, duration, listOption, parsedOption, time } from '../../option-values.js';

/** `--ttl` and `--expires` (milliseconds), and the `--at` they count from. */
export interface ExpiryOptions {
  ttl?: number;
  expires?: number;
  at?: number;
}

/** `--third-party`, `--third-party-secret`, `--third-party-condition` (Macaroon). */
export interface ThirdPartyOptions {
  thirdParty?: string;
  thirdPartySecret?: string;
  thirdPartyCondition: string;
}

/** Adds `--root`: the trusted Biscuit root keys (repeatable); `need` says when it is needed. */
export const withRoot = (command: Command, need: string): Command =>
  command.addOption(listOption('--root <did-or-file>', `Biscuit: the organisation's root key, a did:key or a JWK file (repeatable; ${need})`, asGiven));

/** Adds `--ttl` and `--expires`; `what` names the lifetime (`token`, `new`, `discharge`), one of them may be `required`. */
export const withExpiry = (command: Command, what: string, required: boolean): Command =>
  command
    .addOption(parsedOption('--ttl <duration>', `${what} lifetime from now (or from --at), e.g. 15m, 2h${required ? ' (required, or --expires)' : ''}`, duration))
    .addOption(parsedOption('--expires <time>', `${what} expiry, ISO 8601${required ? ' (required, or --ttl)' : ''}`, time));

/** Adds `--at`; `meaning` says what the time is for. */
export const withAt = (command: Command, meaning: string): Command => command.addOption(parsedOption('--at <time>', `${meaning}, ISO 8601 (default now)`, time));

/** Adds the Macaroon third-party caveat options. */
export const withThirdParty = (command: Command): Command =>
  command
    .option('--third-party <location>', 'Macaroon: add a third-party caveat the holder must discharge with the organisation at LOCATION')
    .option('--third-party-secret <file>', 'Macaroon: the secret shared with that organisation (agent-id key secret; its kid names it)')
    .option('--third-party-condition <text>', 'Macaroon: what the third party must confirm', 'delegation-live');

/** The clock of `--at` (evaluate as of a time), or the system clock. */
export function clockOf(at: number | undefined): Clock {
  return at === undefined ? systemClock : fixedClock(at);
}

/** Expiry in seconds since the epoch from `--ttl` (relative to `--at`/now) or `--expires`. */
export function expiryOf(opts: ExpiryOptions, required: boolean): number | undefined {
  if (opts.ttl !== undefined && opts.expires !== undefined) throw new UsageError('give --ttl or --expires, not both', { code: 'usage', check: '--expires' });
  if (opts.ttl !== undefined) return Math.floor((clockOf(opts.at)() + opts.ttl) / 1000);
  if (opts.expires !== undefined) return Math.floor(opts.expires / 1000);
  if (required) throw new UsageError('an expiry is needed: --ttl DURATION (e.g. 15m) or --expires TIME', { code: 'missing_option', check: '--ttl' });
  return undefined;
}

/** A Macaroon third-party caveat from `--third-party LOCATION --third-party-secret FILE`. */
export async function thirdPartyOf(opts: ThirdPartyOptions, format: TokenFormat): Promise<ThirdPartyCaveatSpec[] | undefined> {
  if (opts.thirdParty === undefined && opts.thirdPartySecret === undefined) return undefined;
  if (format !== 'macaroon') throw new UsageError('third-party caveats are a Macaroon feature', { code: 'usage', check: '--third-party' });
  if (opts.thirdParty === undefined) throw new UsageError('--third-party-secret needs --third-party LOCATION', { code: 'missing_option', check: '--third-party' });
  if (opts.thirdPartySecret === undefined) throw new UsageError('--third-party needs --third-party-secret FILE', { code: 'missing_option', check: '--third-party-secret' });
  const shared = await loadSecretFile(opts.thirdPartySecret, '--third-party-secret', 'third-party secret file');
  return [{ location: opts.thirdParty, keyId: shared.id, secret: shared.secret, condition: opts.thirdPartyCondition }];
}
