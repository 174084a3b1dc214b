/**
 * The process-facing side of one CLI run: streams, environment, the exit code a command
 * sets, and the environment variables that name key files.
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
  return {
    // Read on first use: opening standard input costs a fifth of `node -e 0`, and most commands never read it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    exitCode: 0,
    stdinUsed: false,
  };
}
