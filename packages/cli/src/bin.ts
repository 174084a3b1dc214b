#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { run } from './program.js';

// One CLI process runs a handful of Biscuit (WebAssembly) calls and exits. V8's optimizing
// tier would compile hot wasm functions in the background, and the process then waits for
// those compilations at exit (about 250 ms seen): the baseline compiler alone is faster
// for a run this short. Set before any module is compiled; affects this process only.
setFlagsFromString('--liftoff-only');

// A reader that stops early (`agent-id audit show log | head`) closes the pipe: stop
// quietly, as other shell tools do, instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    process.exit(error.code === 'EPIPE' ? (process.exitCode ?? 0) : 2);
  });
}

process.exitCode = await run(process.argv.slice(2));
