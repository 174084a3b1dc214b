/**
 * Entry for Deno and Bun: reads a {@link CheckRequest} as JSON on stdin, runs the checks,
 * writes the result as one line after a marker on stdout (the libraries may print to the
 * console too). Needs no permission: Deno runs it with none.
 */
import { runChecks } from './checks.js';
import type { CheckRequest } from '../src/protocol.js';

export const RESULT_MARKER = '@@agent-id-runtimes-result@@';

declare const Deno: { stdin: { readable: ReadableStream<Uint8Array> } } | undefined;
declare const Bun: { stdin: { stream(): ReadableStream<Uint8Array> } } | undefined;

const stdin = typeof Deno !== 'undefined' ? Deno.stdin.readable : typeof Bun !== 'undefined' ? Bun.stdin.stream() : undefined;
if (!stdin) throw new Error('run this bundle with Deno or Bun');
const request = JSON.parse(await new Response(stdin).text()) as CheckRequest;
console.log(`${RESULT_MARKER}${JSON.stringify(await runChecks(request))}`);
