#!/usr/bin/env node
// The `agent-id` that pnpm links into the workspace, so that `pnpm agent-id …` runs the
// CLI in the caller's directory with nothing but its output on stdout (no script header).
// pnpm links it at install, before anything is built: it is committed, runs the built CLI
// and, until there is one, says how to build it. The published package's bin is the
// bundled dist/bin.js itself (scripts/bundle.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write('agent-id: the CLI is not built yet: run pnpm build first (in the workspace root)\n');
  process.exit(2);
}
await import(built.href);
