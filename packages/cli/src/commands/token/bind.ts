/**
 * `agent-id token bind`: the holder binds a discharge to the exact token it presents.
 *
 * @module commands/token/bind
 */
import { bindDischarge } from '@agent-id/tokens';
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { guard } from '../../errors.js';
import { readTokenArg } from '../../io/input.js';
import { Output, fingerprint } from '../../output.js';
import { withJson } from '../shared.js';

interface BindOptions {
  json?: boolean;
}

/** Adds `token bind` to the `token` group. */
export function registerBind(token: Command, ctx: CliContext): void {
  withJson(
    token
      .command('bind')
      .description('bind a discharge to the exact token you present (after your last attenuation)')
      .argument('<token>', 'the token you will present: itself, @FILE or -')
      .argument('<discharge>', 'the discharge from the third party: itself, @FILE or -'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id token bind @token @discharge > discharge.bound')
    .action(async (tokenArg: string, dischargeArg: string, opts: BindOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readTokenArg(ctx, tokenArg, { source: '<token>' });
        const discharge = await readTokenArg(ctx, dischargeArg, { source: '<discharge>', what: 'discharge' });
        const bound = bindDischarge(text, discharge).serialize();
        out.message(`bound discharge ${fingerprint(bound)}`);
        out.result(bound, { token: bound, format: 'macaroon' });
      });
    });
}
