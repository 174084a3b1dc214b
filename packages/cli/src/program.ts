/**
 * Builds the `agent-id` command (commander) and runs it against a {@link CliContext},
 * so tests can run it in-process as well as through the binary.
 *
 * Only the command group a run names is loaded (`agent-id token …` never loads the
 * DID-resolution or card code): each process starts as fast as its command allows.
 *
 * @module program
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { useCodedCommandLine } from './command-line.js';
import { type CliContext, ISSUER_KEY_FILE_ENV, KEY_FILE_ENV, ROOT_KEY_FILE_ENV, ROOT_SECRET_FILE_ENV, processContext } from './context.js';
import { reportError } from './errors.js';
import { EXIT } from './exit.js';
import { Output } from './output.js';

type Register = (group: Command, ctx: CliContext) => void;

/** The command groups, their one-line descriptions, and how to load each one's commands. */
const GROUPS: readonly { name: string; description: string; load: () => Promise<Register> }[] = [
  {
    name: 'key',
    description: 'create and inspect key pairs (private JWK files, mode 0600)',
    load: async () => (await import('./commands/key.js')).registerKeyCommands,
  },
  {
    name: 'did',
    description: 'create did:web documents and resolve DIDs',
    load: async () => (await import('./commands/did.js')).registerDidCommands,
  },
  {
    name: 'vc',
    description: 'issue, verify, revoke and suspend agent ownership credentials (W3C VC in JWT form, status lists)',
    load: async () => (await import('./commands/vc.js')).registerVcCommands,
  },
  {
    name: 'token',
    description: 'capability tokens (Biscuit or Macaroon): mint, attenuate, inspect, authorize, revoke',
    load: async () => (await import('./commands/token.js')).registerTokenCommands,
  },
  {
    name: 'card',
    description: 'sign and verify A2A agent cards',
    load: async () => (await import('./commands/card.js')).registerCardCommands,
  },
  {
    name: 'db',
    description: 'the PostgreSQL database of a fleet: migrate its tables',
    load: async () => (await import('./commands/db.js')).registerDbCommands,
  },
  {
    name: 'oauth',
    description: "run the organisation's RFC 8693 token service (user login → capability → OAuth access token)",
    load: async () => (await import('./commands/oauth.js')).registerOauthCommands,
  },
  {
    name: 'audit',
    description: 'verify and read hash-chained audit logs',
    load: async () => (await import('./commands/audit.js')).registerAuditCommands,
  },
  {
    name: 'console',
    description: 'serve the console page on loopback: token chains, card verdicts, audit timelines, live delegations',
    load: async () => (await import('./commands/console.js')).registerConsoleCommands,
  },
];

function packageVersion(): string {
  try {
    const manifest: unknown = createRequire(import.meta.url)('../package.json');
    const version = typeof manifest === 'object' && manifest !== null ? (manifest as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const FOOTER = `
Conventions:
  TOKEN arguments take the token itself, @FILE, or - for standard input, so
    agent-id token mint … | agent-id token attenuate - … | agent-id token authorize - …
  works as a pipeline. Results go to standard output, messages to standard error.
  --json on every command prints machine-readable output.
  Secrets never come from the command line: keys are read from files (mode 0600),
  named by an option or by ${KEY_FILE_ENV}, ${ROOT_KEY_FILE_ENV},
  ${ROOT_SECRET_FILE_ENV} or ${ISSUER_KEY_FILE_ENV}.
  Durations: 90s, 15m, 2h, 7d. Times: ISO 8601 (2030-01-01T00:00:00Z).

Exit codes:
  0  done, or allowed
  1  refused: a package refused what the command judged (a token, credential, card,
     log or request): bad signature, expired, denied, revoked, widening, malformed
     or too large content, also when read from standard input
  2  bad usage: unknown or missing option, an option value that does not parse
     (DID, duration, time…), a key file that is not the key needed, a file that
     cannot be read, an output file that exists or cannot be written
  An error prints its code, and its check: what failed, or the option at fault.
`;

/** The group a command line names (`agent-id token …`, `agent-id help token`), if any. */
function selectedGroup(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Builds the commander program bound to a context (streams, environment). With `argv`,
 * only the group it names gets its subcommands; without, every group does.
 */
export async function buildProgram(ctx: CliContext, argv?: readonly string[]): Promise<Command> {
  const program = new Command('agent-id')
    .description('Verifiable identities and narrowing capability tokens for AI agents, from a shell')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for the command')
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .showSuggestionAfterError(true)
    .addHelpText('after', FOOTER);

  const wanted = argv === undefined ? undefined : selectedGroup(argv);
  for (const group of GROUPS) {
    const command = program.command(group.name).description(group.description);
    if (wanted === undefined ? argv === undefined : wanted === group.name) (await group.load())(command, ctx);
  }
  useCodedCommandLine(program);
  return program;
}

/**
 * Runs the CLI with arguments (without `node` and the script) and returns the exit code:
 * 0 done/allowed, 1 refused, 2 bad usage (see `exit.ts`).
 *
 * @example
 * ```ts
 * const code = await run(['key', 'new', '--out', 'a.jwk']);
 * ```
 */
export async function run(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  const json = argv.includes('--json');
  try {
    const program = await buildProgram(ctx, argv);
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    // Help and version end the run as a CommanderError with exit code 0.
    if (e instanceof CommanderError && e.exitCode === 0) return EXIT.ok;
    return reportError(ctx, new Output(ctx, json), e);
  }
  return ctx.exitCode;
}
