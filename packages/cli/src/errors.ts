/**
 * Turning what a command threw into an exit code and a printed message: a package's
 * refusal (exit 1) keeps its stable `code` and `check`; bad usage or unreadable input is
 * exit 2; no stack trace is ever printed unless AGENT_ID_DEBUG is set.
 *
 * @module errors
 */
import { type CliContext, EXIT, type Output, errorJson, isPackageError, isRefusal, isUsageError } from './context.js';

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

/** Prints an error the way the CLI's conventions say and returns the exit code. */
export function reportError(ctx: CliContext, out: Output, e: unknown): number {
  if (ctx.env.AGENT_ID_DEBUG && e instanceof Error && e.stack) ctx.stderr.write(`${e.stack}\n`);
  if (isRefusal(e)) {
    const error = errorJson(e.error);
    out.message(`agent-id: refused: ${e.error.message} (code: ${e.error.code}, check: ${e.error.check})`);
    out.result(e.human ?? '', { ...e.result, ok: false, error });
    return EXIT.refused;
  }
  if (isUsageError(e)) {
    const detail = e.code === 'usage' ? '' : ` (code: ${e.code}, check: ${e.check})`;
    out.message(`agent-id: ${e.message}${detail}`);
    if (out.json) out.result('', { ok: false, error: errorJson(e) });
    return EXIT.usage;
  }
  if (isPackageError(e)) {
    out.message(`agent-id: refused: ${e.message} (code: ${e.code}, check: ${e.check})`);
    if (out.json) out.result('', { ok: false, error: errorJson(e) });
    return EXIT.refused;
  }
  if (e instanceof TypeError || e instanceof RangeError || isErrno(e)) {
    // The packages throw TypeError for arguments a caller should not pass: bad usage.
    const error = { code: 'usage', check: 'arguments', message: describeUnknown(e) };
    out.message(`agent-id: ${error.message}`);
    if (out.json) out.result('', { ok: false, error });
    return EXIT.usage;
  }
  const error = { code: 'internal', check: 'internal', message: `unexpected failure: ${describeUnknown(e)}` };
  out.message(`agent-id: ${error.message} (code: internal; set AGENT_ID_DEBUG=1 for details)`);
  if (out.json) out.result('', { ok: false, error });
  return EXIT.refused;
}

/** Runs one command's body, turning a throw into the exit code recorded on the context. */
export async function guard(ctx: CliContext, out: Output, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    ctx.exitCode = reportError(ctx, out, e);
  }
}
