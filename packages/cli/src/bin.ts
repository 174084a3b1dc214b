#!/usr/bin/env node
import { run } from './program.js';

// A reader that stops early (`agent-id audit show log | head`) closes the pipe: stop
// quietly, as other shell tools do, instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    process.exit(error.code === 'EPIPE' ? (process.exitCode ?? 0) : 2);
  });
}

process.exitCode = await run(process.argv.slice(2));
