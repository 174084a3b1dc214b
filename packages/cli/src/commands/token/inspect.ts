/**
 * `agent-id token inspect`: every hop of a token, as the token states it (unverified).
 *
 * @module commands/token/inspect
 */
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { guard } from '../../errors.js';
import { readTokenArg } from '../../io/input.js';
import { Output } from '../../output.js';
import { withJson } from '../shared.js';
import { withRoot } from './options.js';
import { readTokenView } from './read.js';

interface InspectOptions {
  root?: string[];
  json?: boolean;
}

/** Adds `token inspect` to the `token` group. */
export function registerInspect(token: Command, ctx: CliContext): void {
  withJson(
    withRoot(
      token
        .command('inspect')
        .description('show every hop of a token — who delegated to whom, what was kept, until when (UNVERIFIED view)')
        .argument('<token>', 'the token: itself, @FILE, or - for standard input'),
      'optional: with it each block\'s Datalog is printed too; the view stays unverified',
    ),
  )
    .addHelpText('after', '\nExamples:\n  $ agent-id token inspect @token\n  $ agent-id token inspect @token --root did:key:z6Mk…   # Biscuit, with its Datalog')
    .action(async (tokenArg: string, opts: InspectOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readTokenArg(ctx, tokenArg, { source: '<token>' });
        const view = await readTokenView(text, opts.root);
        out.result(view.text, view);
      });
    });
}
