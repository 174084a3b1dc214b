/**
 * The exit-code rule of the `agent-id` command, and the errors that carry it:
 *
 * - 0: done, or allowed.
 * - 1: refused — a package checked what the command was given to judge (a token, a
 *   credential, a card, a log, a request) and refused it; its stable `code` and `check`
 *   are printed. Nothing else exits 1, except an unexpected failure (`internal`).
 * - 2: bad usage — the command cannot run as typed: a {@link UsageError}, whose `code`
 *   says what is wrong and whose `check` names the option or argument at fault.
 *
 * It imports no agent-id package, so starting the program costs only what the command
 * that runs needs.
 *
 * @module exit
 */

/** Exit codes of the `agent-id` command. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

/**
 * What a usage error (exit 2) is about:
 * - `usage`: the command line does not parse — unknown command or option, missing or
 *   extra argument, an option without its value, options that conflict or do not apply;
 * - `missing_option`: a required option is missing (for a key: neither the option nor
 *   its environment variable names a file);
 * - `invalid_option`: an option value that does not parse (DID, duration, time, count,
 *   choice, key id, domain…);
 * - `invalid_argument`: an argument typed on the command line that does not parse (the
 *   DID of `did resolve`);
 * - `invalid_key`: a key, secret or root-key file that is not the key needed (a public
 *   key where a private one is needed, readable by others, not a key at all);
 * - `unreadable_input`: a file or standard input that cannot be read (missing, a
 *   directory, no permission, a terminal, already read);
 * - `output_exists`: an output file exists and `--force` was not given;
 * - `unwritable_output`: an output file cannot be written.
 */
export type UsageCode =
  | 'usage'
  | 'missing_option'
  | 'invalid_option'
  | 'invalid_argument'
  | 'invalid_key'
  | 'unreadable_input'
  | 'output_exists'
  | 'unwritable_output';

/** The shape of an agent-id package error (AgentIdError): a stable code and the failed check. */
export interface PackageError extends Error {
  code: string;
  check: string;
}

/** Bad usage (exit 2): `code` says what is wrong, `check` names the option or argument. */
export class UsageError extends Error {
  /** Brand: errors from another copy of this module (a separately bundled command) are still recognised. */
  readonly exitCode = 2;
  readonly code: UsageCode;
  readonly check: string;
  constructor(message: string, options: { code: UsageCode; check: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
    this.code = options.code;
    this.check = options.check;
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
