/**
 * `agent-id token`: capability tokens (Biscuit or Macaroon). Every decision is
 * @agent-id/tokens's; each subcommand lives in its own module under `token/`.
 *
 * @module commands/token
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAttenuate } from './token/attenuate.js';
import { registerAuthorize } from './token/authorize.js';
import { registerBind } from './token/bind.js';
import { registerDischarge } from './token/discharge.js';
import { registerInspect } from './token/inspect.js';
import { registerMint } from './token/mint.js';
import { registerRevoke } from './token/revoke.js';

/** Adds the `token` subcommands to the `token` group, in the order `--help` lists them. */
export function registerTokenCommands(token: Command, ctx: CliContext): void {
  for (const register of [registerMint, registerAttenuate, registerInspect, registerAuthorize, registerRevoke, registerDischarge, registerBind]) {
    register(token, ctx);
  }
}
