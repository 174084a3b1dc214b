/**
 * `agent-id oauth serve`: run an organisation's RFC 8693 token service from a config file.
 * Every decision is @agent-id/oauth's; this module reads the files and serves.
 *
 * @module commands/oauth
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditLog } from '@agent-id/core/node';
import { isRecord, parseJson } from '@agent-id/core/internal';
import { createDidResolver } from '@agent-id/did';
import { AccessTokenKeys, type TokenServiceOptions, TokenService, agentPolicyTable, consentTable } from '@agent-id/oauth';
import { tokenServiceNodeHandler } from '@agent-id/oauth/node';
import type { Command } from 'commander';
import { type CliContext, ROOT_KEY_FILE_ENV } from '../context.js';
import { guard } from '../errors.js';
import { UsageError } from '../exit.js';
import { readFileLimited } from '../io/files.js';
import { keyFilePath, loadKeyFile } from '../io/keys.js';
import { count, invalidOption, parsedOption } from '../option-values.js';
import { Output } from '../output.js';
import { withJson } from './shared.js';

interface OauthServeOptions {
  config: string;
  rootKey?: string;
  signingKey?: string;
  audit: string;
  host: string;
  port: number;
  allowHttpLoopback?: boolean;
  json?: boolean;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

function port(value: string, option: string): number {
  const n = count(value, option);
  if (n > 65_535) throw invalidOption(option, `${option} must be a port number (0 to 65535)`);
  return n;
}

function badConfig(path: string, message: string, cause?: unknown): UsageError {
  return new UsageError(`config ${path}: ${message}`, { code: 'invalid_argument', check: '--config', cause });
}

async function readJsonFile(path: string, option: string, what: string, maxDepth: number): Promise<Record<string, unknown>> {
  const text = await readFileLimited(path, { maxBytes: MAX_CONFIG_BYTES, what, source: option, tooLarge: (size) => badConfig(path, `${size} bytes is too large`) });
  let value: unknown;
  try {
    value = parseJson(text, { maxBytes: MAX_CONFIG_BYTES, maxDepth, what });
  } catch (e) {
    throw new UsageError(`${what} ${path} is not JSON`, { code: 'invalid_argument', check: option, cause: e });
  }
  if (!isRecord(value)) throw new UsageError(`${what} ${path} is not a JSON object`, { code: 'invalid_argument', check: option });
  return value;
}

/** The config's members, each of the JSON type the service expects (their contents are the service's to check). */
function readConfig(path: string, c: Record<string, unknown>) {
  const record = (name: string, required: boolean): Record<string, never> | undefined => {
    const v = c[name];
    if (v === undefined && !required) return undefined;
    if (!isRecord(v)) throw badConfig(path, `"${name}" must be an object`);
    return v as Record<string, never>;
  };
  const list = (name: string): never[] => {
    const v = c[name] ?? [];
    if (!Array.isArray(v)) throw badConfig(path, `"${name}" must be an array`);
    return v as never[];
  };
  const text = (name: string, required: boolean): string | undefined => {
    const v = c[name];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') throw badConfig(path, `"${name}" must be a string`);
    return v;
  };
  const seconds = (name: string): number | undefined => {
    const v = c[name];
    if (v === undefined) return undefined;
    if (!Number.isSafeInteger(v) || (v as number) <= 0) throw badConfig(path, `"${name}" must be a whole number of seconds`);
    return v as number;
  };
  const format = c.defaultFormat;
  if (format !== undefined && format !== 'biscuit') throw badConfig(path, '"defaultFormat" can only be "biscuit" (the service is given a root key)');
  return {
    issuer: text('issuer', false),
    organisation: text('organisation', true)!,
    identityProviders: list('identityProviders'),
    scopes: record('scopes', true)!,
    agents: record('agents', true)!,
    operators: c.operators === undefined ? undefined : (list('operators') as string[]),
    consents: list('consents'),
    apis: record('apis', false),
    trustedIssuers: list('trustedIssuers') as string[],
    capabilityLifetimeSec: seconds('capabilityLifetimeSec'),
    accessTokenLifetimeSec: seconds('accessTokenLifetimeSec'),
  };
}

export function registerOauthCommands(oauth: Command, ctx: CliContext): void {
  withJson(
    oauth
      .command('serve')
      .description("run the organisation's RFC 8693 token service (login → capability, capability → RFC 9068 access token) until interrupted")
      .requiredOption('--config <file>', 'the service config (JSON): organisation, identityProviders, scopes, agents, consents, apis, trustedIssuers, issuer')
      .option('--root-key <file>', `the organisation's private root key (Ed25519 JWK; or $${ROOT_KEY_FILE_ENV})`)
      .option('--signing-key <file>', 'private JWK (with "alg") for access tokens; default a fresh ES256 key for this run')
      .requiredOption('--audit <file>', 'the audit log (JSON Lines, hash-chained) every exchange is recorded in')
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .addOption(parsedOption('--port <n>', 'port to listen on (0: any free port)', port).default(8443))
      .option('--allow-http-loopback', 'resolve did:web over plain HTTP on loopback (tests, demos)'),
  )
    .addHelpText(
      'after',
      `
Serves POST /token, GET /.well-known/oauth-authorization-server and GET /jwks.json at the
issuer URL (default http://HOST:PORT). Prints the issuer once listening; stops on SIGINT or
SIGTERM. Exit status: 0 stopped, 2 usage (a bad config or key file).

Examples:
  $ agent-id oauth serve --config token-service.json --root-key acme-root.jwk --audit exchanges.jsonl --port 8443
  token service http://127.0.0.1:8443 (metadata http://127.0.0.1:8443/.well-known/oauth-authorization-server)`,
    )
    .action(async (opts: OauthServeOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const config = readConfig(opts.config, await readJsonFile(opts.config, '--config', 'config', 16));
        const rootKey = await loadKeyFile(keyFilePath(ctx, opts.rootKey, '--root-key', ROOT_KEY_FILE_ENV), '--root-key', 'root key file');
        let accessTokenKeys: AccessTokenKeys;
        try {
          accessTokenKeys =
            opts.signingKey === undefined
              ? await AccessTokenKeys.generate({ overlapSec: Math.max(3600, config.accessTokenLifetimeSec ?? 0) })
              : await AccessTokenKeys.fromPrivateJwk(await readJsonFile(opts.signingKey, '--signing-key', 'signing key file', 2));
        } catch (e) {
          if (e instanceof UsageError) throw e;
          throw new UsageError(`signing key file ${opts.signingKey}: ${(e as Error).message}`, { code: 'invalid_key', check: '--signing-key', cause: e });
        }
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(opts.port, opts.host, resolve);
        });
        const port = (server.address() as AddressInfo).port;
        const audit = await AuditLog.open(opts.audit);
        let service: TokenService;
        try {
          const options: TokenServiceOptions = {
            issuer: config.issuer ?? `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
            organisation: config.organisation,
            rootKey,
            identityProviders: config.identityProviders,
            scopes: config.scopes,
            agentPolicy: agentPolicyTable(config.agents, config.operators !== undefined ? { operators: config.operators } : {}),
            consents: consentTable(config.consents),
            accessTokenKeys,
            resolver: createDidResolver(opts.allowHttpLoopback ? { allowHttpLoopback: true } : {}),
            trustedIssuers: config.trustedIssuers,
            audit,
            ...(config.apis !== undefined ? { apis: config.apis } : {}),
            ...(config.capabilityLifetimeSec !== undefined ? { capabilityLifetimeSec: config.capabilityLifetimeSec } : {}),
            ...(config.accessTokenLifetimeSec !== undefined ? { accessTokenLifetimeSec: config.accessTokenLifetimeSec } : {}),
          };
          service = new TokenService(options);
        } catch (e) {
          server.close();
          await audit.close();
          throw badConfig(opts.config, (e as Error).message, e);
        }
        server.on('request', tokenServiceNodeHandler(service));
        const metadata = `${new URL(service.issuer).origin}/.well-known/oauth-authorization-server`;
        out.result(`token service ${service.issuer} (metadata ${metadata})`, { issuer: service.issuer, tokenEndpoint: service.tokenEndpoint, jwksUri: service.jwksUri, metadata });
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await audit.close();
      });
    });
}
