/**
 * The process-facing side of one CLI run (streams, environment, exit code), output in
 * human or JSON form, and the CLI's own error types. It imports no agent-id package, so
 * starting the program costs only what the command that runs needs.
 *
 * @module context
 */
import type { Readable, Writable } from 'node:stream';

/** Environment variables naming key files (never the keys themselves). */
export const KEY_FILE_ENV = 'AGENT_ID_KEY_FILE';
export const ROOT_KEY_FILE_ENV = 'AGENT_ID_ROOT_KEY_FILE';
export const ISSUER_KEY_FILE_ENV = 'AGENT_ID_ISSUER_KEY_FILE';
export const ROOT_SECRET_FILE_ENV = 'AGENT_ID_ROOT_SECRET_FILE';

/** The process-facing side of one CLI run; tests pass their own streams. */
export interface CliContext {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  /** Exit code set by the command that ran. */
  exitCode: number;
  /** Whether standard input has already been consumed in this run. */
  stdinUsed: boolean;
}

/** A context bound to the real process. */
export function processContext(): CliContext {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, exitCode: 0, stdinUsed: false };
}

/** Exit codes of the `agent-id` command. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

/**
 * Bad usage or unreadable input (exit 2): a missing file, a key file the CLI cannot use,
 * an argument that does not parse. Carries the package error's code and check when one
 * caused it.
 */
export class UsageError extends Error {
  /** Brand: errors from another copy of this module (a separately bundled command) are still recognised. */
  readonly exitCode = 2;
  readonly code: string;
  readonly check: string;
  constructor(message: string, options: { code?: string; check?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
    this.code = options.code ?? 'usage';
    this.check = options.check ?? 'arguments';
  }
}

/** A refusal (exit 1) carrying a result to print as well, e.g. an authorization denial. */
export class Refusal extends Error {
  readonly error: PackageError;
  readonly result: Record<string, unknown>;
  /** The result line for standard output in human mode (e.g. `denied`), if any. */
  readonly human: string | undefined;
  constructor(error: PackageError, result: Record<string, unknown>, human?: string) {
    super(error.message);
    this.name = 'Refusal';
    this.error = error;
    this.result = result;
    this.human = human;
  }
}

/** Prints results (stdout) and messages (stderr) in the mode the command was asked for. */
export class Output {
  readonly json: boolean;
  readonly #ctx: CliContext;

  constructor(ctx: CliContext, json: boolean | undefined) {
    this.#ctx = ctx;
    this.json = json === true;
  }

  /** The command's result: `human` text by default, `data` as JSON with `--json`. */
  result(human: string | (() => string), data: unknown): void {
    if (this.json) this.#ctx.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else {
      const text = typeof human === 'string' ? human : human();
      this.#ctx.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    }
  }

  /** A message for the person at the terminal (stderr), in both modes. */
  message(text: string): void {
    this.#ctx.stderr.write(`${text}\n`);
  }
}

/** The JSON form of an error: code, check and message, never the input. */
export function errorJson(e: PackageError | UsageError): { code: string; check: string; message: string } {
  return { code: e.code, check: e.check, message: e.message };
}


/** The shape of an agent-id package error (AgentIdError): a stable code and the failed check. */
export interface PackageError extends Error {
  code: string;
  check: string;
}

/** Whether a value is an agent-id package error, by shape (it may come from another bundled copy). */
export function isPackageError(e: unknown): e is PackageError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { check?: unknown }).check === 'string';
}

/** Whether a value is a {@link UsageError} (by brand, across bundled copies). */
export function isUsageError(e: unknown): e is UsageError {
  return e instanceof Error && e.name === 'UsageError' && (e as { exitCode?: unknown }).exitCode === 2 && isPackageError(e);
}

/** Whether a value is a {@link Refusal} (by brand, across bundled copies). */
export function isRefusal(e: unknown): e is Refusal {
  return e instanceof Error && e.name === 'Refusal' && isPackageError((e as { error?: unknown }).error);
}
