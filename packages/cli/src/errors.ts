/**
 * Turning what a command threw into the exit code of the rule (see `exit.ts`) and a
 * printed message: a package's refusal keeps its stable `code` and `check`; no stack
 * trace is ever printed unless AGENT_ID_DEBUG is set.
 *
 * @module errors
 */
import type { CliContext } from './context.js';
import { EXIT, isPackageError, isRefusal, isUsageError } from './exit.js';
import type { Output } from './output.js';

/** The JSON form of an error: code, check and message, never the input. */
export interface ErrorJson {
  code: string;
  check: string;
  message: string;
}

function errorJson(e: ErrorJson): ErrorJson {
  return { code: e.code, check: e.check, message: e.message };
}

function isErrno(e: unknown): boolean {
  return e instanceof Error && 'errno' in e && typeof (e as { code?: unknown }).code === 'string';
}

function describeUnknown(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return JSON.stringify(e).slice(0, 200);
  } catch {
    return String(e).slice(0, 200);
  }
}

/** What a thrown value means under the rule: its exit code and its JSON error. */
function classify(e: unknown): { exit: number; error: ErrorJson; refused: boolean } {
  if (isUsageError(e)) return { exit: EXIT.usage, error: errorJson(e), refused: false };
  if (isPackageError(e)) return { exit: EXIT.refused, error: errorJson(e), refused: true };
  // The packages throw TypeError or RangeError for arguments a caller should not pass.
  if (e instanceof TypeError || e instanceof RangeError) return { exit: EXIT.usage, error: { code: 'usage', check: 'arguments', message: e.message }, refused: false };
  // The commands name every file they use; a file error that still gets here is one too.
  if (isErrno(e)) return { exit: EXIT.usage, error: { code: 'unreadable_input', check: 'file', message: describeUnknown(e) }, refused: false };
  return { exit: EXIT.refused, error: { code: 'internal', check: 'internal', message: `unexpected failure: ${describeUnknown(e)}` }, refused: false };
}

/** Prints an error the way the CLI's conventions say and returns the exit code. */
export function reportError(ctx: CliContext, out: Output, e: unknown): number {
  if (ctx.env.AGENT_ID_DEBUG && e instanceof Error && e.stack) ctx.stderr.write(`${e.stack}\n`);
  if (isRefusal(e)) {
    const error = errorJson(e.error);
    out.message(`agent-id: refused: ${error.message} (code: ${error.code}, check: ${error.check})`);
    out.result(e.human ?? '', { ...e.result, ok: false, error });
    return EXIT.refused;
  }
  const { exit, error, refused } = classify(e);
  const hint = error.code === 'internal' ? '; set AGENT_ID_DEBUG=1 for details' : '';
  out.message(`agent-id: ${refused ? 'refused: ' : ''}${error.message} (code: ${error.code}, check: ${error.check}${hint})`);
  if (out.json) out.result('', { ok: false, error });
  return exit;
}

/** Runs one command's body, turning a throw into the exit code recorded on the context. */
export async function guard(ctx: CliContext, out: Output, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    ctx.exitCode = reportError(ctx, out, e);
  }
}
