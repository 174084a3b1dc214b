/**
 * `agent-id token inspect`: every hop of a token, as the token states it (unverified).
 *
 * @module commands/token/inspect
 */
import { inspect } from '@agent-id/tokens';
import type { Command } from 'commander';
import { guard } from '../../errors.js';
import { type CliContext, Output, readTokenArg } from '../../io.js';
import { withJson } from '../shared.js';
import { rootOption } from './options.js';
import { biscuitRoots, tokenFormat } from './read.js';

interface InspectOptions {
  root?: string[];
  json?: boolean;
}

/** Adds `token inspect` to the `token` group. */
export function registerInspect(token: Command, ctx: CliContext): void {
  withJson(
    token
      .command('inspect')
      .description('show every hop of a token — who delegated to whom, what was kept, until when (UNVERIFIED view)')
      .argument('<token>', 'the token: itself, @FILE, or - for standard input')
      .addOption(rootOption()),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id token inspect @token --root did:key:z6Mk…')
    .action(async (tokenArg: string, opts: InspectOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readTokenArg(ctx, tokenArg);
        const roots = await biscuitRoots(ctx, tokenFormat(text), opts.root, 'reading');
        const view = await inspect(text, roots !== undefined ? { rootPublicKey: roots } : {});
        out.result(view.text, view);
      });
    });
}
