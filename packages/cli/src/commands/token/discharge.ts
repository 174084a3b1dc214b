/**
 * `agent-id token discharge`: the third party's side of a Macaroon third-party caveat —
 * confirming it with a short-lived discharge.
 *
 * @module commands/token/discharge
 */
import { dischargeThirdPartyCaveat } from '@agent-id/tokens';
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { guard } from '../../errors.js';
import { readTokenArg } from '../../io/input.js';
import { loadSecretFile } from '../../io/keys.js';
import { Output, fingerprint, isoFromSeconds } from '../../output.js';
import { withJson } from '../shared.js';
import { type ExpiryOptions, expiryOf, withAt, withExpiry } from './options.js';

interface DischargeOptions extends ExpiryOptions {
  secret: string;
  expectCondition?: string;
  json?: boolean;
}

/** Adds `token discharge` to the `token` group. */
export function registerDischarge(token: Command, ctx: CliContext): void {
  const command = token
    .command('discharge')
    .description("the third party's side of a Macaroon third-party caveat: confirm it with a short-lived discharge")
    .argument('<caveat-id>', 'the caveat id (token inspect lists it), itself, @FILE or -')
    .requiredOption('--secret <file>', 'the secret your organisation shares with the issuer (its kid must match the caveat)')
    .option('--expect-condition <text>', 'refuse unless the caveat asks for exactly this condition');
  withJson(withAt(withExpiry(command, 'discharge', true), 'the time --ttl counts from'))
    .addHelpText('after', '\nExample:\n  $ agent-id token discharge "$CAVEAT_ID" --secret globex-shared.secret --ttl 1m --expect-condition delegation-live > discharge')
    .action(async (caveatArg: string, opts: DischargeOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const caveatId = await readTokenArg(ctx, caveatArg, { source: '<caveat-id>', what: 'caveat id' });
        const shared = await loadSecretFile(opts.secret, '--secret', 'shared secret file');
        const expiresAt = expiryOf(opts, true)!;
        const discharge = await dischargeThirdPartyCaveat(caveatId, {
          keyId: shared.id,
          secret: shared.secret,
          expiresAt,
          // Running this command is the confirmation; --expect-condition narrows what is confirmed.
          confirm: (caveat) => opts.expectCondition === undefined || caveat.condition === opts.expectCondition,
        });
        const text = discharge.serialize();
        out.message(`discharged third-party caveat until ${isoFromSeconds(expiresAt)}: ${fingerprint(text)}`);
        out.result(text, { token: text, format: discharge.format, expires: isoFromSeconds(expiresAt) });
      });
    });
}
