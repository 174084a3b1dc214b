/**
 * The input a command judges — a token, a caveat id, a discharge, a credential, a card, an
 * audit log — from an argument, a file or standard input. Under the exit-code rule,
 * reading it is usage (a file or standard input that cannot be read: exit 2), and its
 * content is judged: too large, empty or malformed content is refused with core's codes
 * (`input_too_large`, `malformed_input`: exit 1), as the packages refuse it.
 *
 * @module io/input
 */
import { InputTooLargeError, MalformedInputError } from '@agent-id/core';
import { isRecord, parseJson } from '@agent-id/core/internal';
import type { CliContext } from '../context.js';
import { UsageError } from '../exit.js';
import { readFileLimited } from './files.js';

/** Largest token accepted from an argument, a file or standard input. */
export const MAX_TOKEN_BYTES = 64 * 1024;
/** Largest JSON document (an agent card) read. */
export const MAX_JSON_BYTES = 1024 * 1024;
/** Largest audit log read. */
export const MAX_LOG_BYTES = 256 * 1024 * 1024;

/** What is read, for messages; the argument or option that names it; its size limit. */
export interface InputSpec {
  what: string;
  source: string;
  maxBytes: number;
}

const tooLarge = (spec: InputSpec) => (size: number) => new InputTooLargeError(`${spec.what} is ${size} bytes, above the limit of ${spec.maxBytes}`);

async function readStdin(ctx: CliContext, spec: InputSpec): Promise<string> {
  if (ctx.stdinUsed) throw new UsageError(`only one argument can be read from standard input ("-"), ${spec.what} too`, { code: 'usage', check: spec.source });
  ctx.stdinUsed = true;
  if ((ctx.stdin as { isTTY?: boolean }).isTTY === true) {
    throw new UsageError(`${spec.what} is read from standard input ("-"), but it is a terminal: pipe or redirect it in`, { code: 'unreadable_input', check: spec.source });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of ctx.stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    total += buf.length;
    // Stop reading at the limit: the size is refused before anything is kept.
    if (total > spec.maxBytes) throw new InputTooLargeError(`${spec.what} on standard input exceeds ${spec.maxBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads an input to judge: `-` for standard input, otherwise a file path. */
export function readInput(ctx: CliContext, path: string, spec: InputSpec): Promise<string> {
  if (path === '-') return readStdin(ctx, spec);
  return readFileLimited(path, { ...spec, tooLarge: tooLarge(spec) });
}

/**
 * A TOKEN argument (a token, a discharge, a caveat id, a credential): `-` reads standard
 * input, `@FILE` a file, anything else is the value itself. Surrounding whitespace is
 * dropped; the `--json` output of `mint` and `attenuate` (an object with a `token` member)
 * is accepted as well, so pipelines work in either output mode.
 */
export async function readTokenArg(ctx: CliContext, arg: string, options: { source: string; what?: string }): Promise<string> {
  const spec: InputSpec = { what: options.what ?? 'token', source: options.source, maxBytes: MAX_TOKEN_BYTES };
  let text: string;
  if (arg === '-') text = await readStdin(ctx, spec);
  else if (arg.startsWith('@')) text = await readFileLimited(arg.slice(1), { ...spec, what: `${spec.what} file`, tooLarge: tooLarge(spec) });
  else {
    if (Buffer.byteLength(arg, 'utf8') > MAX_TOKEN_BYTES) throw new InputTooLargeError(`${spec.what} exceeds ${MAX_TOKEN_BYTES} bytes`);
    text = arg;
  }
  text = text.trim();
  if (text.startsWith('{')) {
    const parsed = parseJson(text, { maxBytes: MAX_TOKEN_BYTES, what: spec.what });
    const token = isRecord(parsed) ? parsed.token : undefined;
    if (typeof token !== 'string') throw new MalformedInputError(`${spec.what}: JSON input has no "token" string`);
    text = token.trim();
  }
  if (text.length === 0) throw new MalformedInputError(arg === '-' ? `no ${spec.what} on standard input` : `empty ${spec.what}`);
  return text;
}
