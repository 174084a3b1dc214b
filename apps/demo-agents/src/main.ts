#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { type ConsoleServer, serveConsole } from '@agent-id/console/node';
import { LiveFeed, liveEventOf } from './live.js';
import { runScenario } from './scenario.js';
import { isPostgresStore } from './stores.js';
import { formatSummary } from './summary.js';
import { formatTraceEvent } from './trace.js';

const HELP = `agent-id demo: two organisations, agents speaking A2A, narrowing capability tokens

usage: node dist/main.js [--serve] [--out DIR] [--store postgres://…] [--quiet]

  --serve     serve the console (its live view grows the delegation tree as the scenario
              runs), then keep every server running and print curl-able URLs
  --out DIR   write the audit logs and revocation stores to DIR (default: a temp dir)
  --store URL keep each organisation's revocations and audit in PostgreSQL (a schema
              each, migrated at start) instead of files; the audit is verified from it
  --quiet     print only the summary
`;

function parseArgs(argv: string[]): { serve: boolean; out?: string; store?: string; quiet: boolean } {
  const args = { serve: false, quiet: false } as { serve: boolean; out?: string; store?: string; quiet: boolean };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    if (a === '--serve') args.serve = true;
    else if (a === '--quiet') args.quiet = true;
    else if (a === '--out') {
      const dir = argv[++i];
      if (!dir) throw new Error('--out needs a directory');
      args.out = dir;
    } else if (a === '--store') {
      const url = argv[++i];
      if (!url || !isPostgresStore(url)) throw new Error('--store needs a postgres:// URL');
      args.store = url;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n\n${HELP}`);
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const options: Parameters<typeof runScenario>[0] = { keepRunning: args.serve };
  if (args.out) options.outDir = args.out;
  if (args.store) options.store = args.store;
  const print = args.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);
  let consoleServer: ConsoleServer | undefined;
  // Acme's audit log, once the scenario has written it (a file; a PostgreSQL store is read with `agent-id console --audit`).
  let auditPath: string | undefined;
  if (args.serve) {
    const feed = new LiveFeed();
    consoleServer = await serveConsole({
      events: feed,
      ...(args.store ? {} : { audit: { read: () => (auditPath ? readFile(auditPath) : Promise.resolve('')) } }),
    });
    process.stdout.write(`console (live view of this run): ${consoleServer.url}#live\n`);
    options.onTrace = (e) => {
      print?.(formatTraceEvent(e));
      feed.push(liveEventOf(e));
    };
  } else if (print) options.onTrace = (e) => print(formatTraceEvent(e));
  const result = await runScenario(options);
  auditPath = result.audit.find((a) => a.org === 'acme')?.path;
  process.stdout.write(formatSummary(result, { auditLogs: args.quiet }));
  if (!args.serve || !consoleServer) return result.ok ? 0 : 1;

  process.stdout.write('\n== Serving (Ctrl-C to stop)\n');
  for (const [name, url] of Object.entries({ console: consoleServer.url, ...result.urls })) process.stdout.write(`  ${name.padEnd(34)} ${url}\n`);
  process.stdout.write(
    `\n  try:\n    curl -s ${result.urls['globex/analyst card']}\n    curl -s ${result.urls['acme DID document']}\n` +
      `    curl -s -X POST ${result.urls['globex tools challenge (POST)']}\n` +
      `    curl -s ${result.urls['acme MCP server metadata']}\n` +
      `    curl -s -X POST ${result.urls['acme/orchestrator A2A (JSON-RPC)']} -H 'content-type: application/json' -H 'A2A-Version: 1.0' \\\n` +
      `      -d '${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: {
          message: {
            messageId: 'm1',
            role: 'ROLE_USER',
            parts: [{ data: { task: 'task-q3-widget-pricing', calls: [{ step: 'curl', service: result.urls['acme tools'], resource: 'crm:/customers/c-7', action: 'read', format: 'biscuit' }] } }],
          },
        },
      })}'\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.all([result.stop(), consoleServer.close()]);
  return result.ok ? 0 : 1;
}

// A reader that stops early (`pnpm demo | head`) closes the pipe: stop quietly, as other
// command-line tools do. Any other output error still ends the process with its stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
