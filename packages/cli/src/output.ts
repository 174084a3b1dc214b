/**
 * Results on standard output, messages on standard error, in human or JSON form.
 *
 * @module output
 */
import type { CliContext } from './context.js';

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

/** A short, safe view of a secret-ish value (a token): never printed in full in messages. */
export function fingerprint(value: string): string {
  return value.length <= 16 ? `${value.slice(0, 4)}…` : `${value.slice(0, 10)}…${value.slice(-6)} (${value.length} chars)`;
}

/** Formats epoch seconds as ISO 8601. */
export function isoFromSeconds(seconds: number): string {
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : String(seconds);
}

/** Formats epoch milliseconds as ISO 8601. */
export function isoFromMillis(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
