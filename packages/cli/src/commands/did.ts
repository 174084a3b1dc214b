/**
 * `agent-id did`: did:web documents to host, and DID resolution.
 *
 * @module commands/did
 */
import { isAgentIdError } from '@agent-id/core';
import { createAgentIdentity, createDidResolver, didWebFromDomain } from '@agent-id/did';
import type { Command } from 'commander';
import { type CliContext, KEY_FILE_ENV } from '../context.js';
import { guard } from '../errors.js';
import { UsageError } from '../exit.js';
import { writeOutputFile } from '../io/files.js';
import { keyFilePath, loadKeyFile } from '../io/keys.js';
import { duration, invalidOption, parsedOption, quoted } from '../option-values.js';
import { Output } from '../output.js';
import { withJson } from './shared.js';

interface DidNewWebOptions {
  domain: string;
  path?: string;
  key?: string;
  out?: string;
  force?: boolean;
  allowHttpLoopback?: boolean;
  json?: boolean;
}

interface DidResolveOptions {
  allowHttpLoopback?: boolean;
  timeout: number;
  json?: boolean;
}

/** The host (and port) of a did:web, as @agent-id/did parses it. */
const domain = (value: string, option: string): string => {
  try {
    didWebFromDomain(value);
  } catch (e) {
    throw invalidOption(option, `${option} must be a host or host:port such as acme.example or 127.0.0.1:8080, got ${quoted(value)}`, e);
  }
  return value;
};

/** Checks `--path` (segments such as `agents/planner`) with the domain it goes under. */
function checkPath(domainValue: string, path: string | undefined): void {
  if (path === undefined) return;
  try {
    didWebFromDomain(domainValue, path);
  } catch (e) {
    throw invalidOption('--path', `--path must be path segments such as agents/planner, got ${quoted(path)}`, e);
  }
}

/** Adds `did new web` and `did resolve` to the `did` group. */
export function registerDidCommands(did: Command, ctx: CliContext): void {
  const create = did.command('new').description('create a DID document to host');

  withJson(
    create
      .command('web')
      .description('print the did:web document for a key, and where to host it')
      .addOption(parsedOption('--domain <host>', 'host, or host:port (e.g. acme.example, 127.0.0.1:8080)', domain).makeOptionMandatory())
      .option('--path <path>', 'path under the host, e.g. agents/planner (default: the domain itself)')
      .option('--key <file>', `private JWK file whose public key is published (required, or $${KEY_FILE_ENV})`)
      .option('--out <file>', 'write the document to a file instead of standard output')
      .option('--force', 'replace an existing --out file')
      .option('--allow-http-loopback', 'report the http:// URL for a loopback host (tests, demos)'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id did new web --domain acme.example --key acme.jwk > did.json\n  host it at https://acme.example/.well-known/did.json')
    .action(async (opts: DidNewWebOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        checkPath(opts.domain, opts.path);
        const keyPair = await loadKeyFile(keyFilePath(ctx, opts.key, '--key', KEY_FILE_ENV), '--key');
        const identity = createAgentIdentity({
          method: 'web',
          domain: opts.domain,
          path: opts.path ?? [],
          keyPair,
          allowHttpLoopback: opts.allowHttpLoopback === true,
        });
        const documentText = `${JSON.stringify(identity.document, null, 2)}\n`;
        if (opts.out !== undefined) await writeOutputFile(opts.out, documentText, { overwrite: opts.force === true, option: '--out', what: 'DID document file' });
        const data = {
          did: identity.did,
          keyId: identity.keyId,
          documentPath: identity.documentPath,
          documentUrl: identity.documentUrl,
          ...(opts.out !== undefined ? { file: opts.out } : {}),
          document: identity.document,
        };
        if (opts.out !== undefined) {
          out.result(`${identity.did}\nwrote ${opts.out}: host it at ${identity.documentUrl}`, data);
        } else {
          out.message(`${identity.did}: host this document at ${identity.documentUrl}`);
          out.result(documentText, data);
        }
      });
    });

  withJson(
    did
      .command('resolve')
      .description('resolve a DID to its document (did:key offline; did:web over HTTPS)')
      .argument('<did>', 'the DID to resolve')
      .option('--allow-http-loopback', 'fetch did:web over plain HTTP when the host is 127.0.0.1, localhost or [::1]')
      .addOption(parsedOption('--timeout <duration>', 'how long to wait for a did:web host', duration).default(5000, '5s')),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id did resolve did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK')
    .action(async (didArg: string, opts: DidResolveOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const resolver = createDidResolver({
          allowHttpLoopback: opts.allowHttpLoopback === true,
          timeoutMs: opts.timeout,
          cacheTtlMs: 0,
        });
        const document = await resolver.resolve(didArg).catch((e: unknown) => {
          // A DID that does not even parse is a bad argument, not a refusal.
          if (isAgentIdError(e) && e.check === 'did_syntax') throw new UsageError(e.message, { code: 'invalid_argument', check: '<did>', cause: e });
          throw e;
        });
        out.result(`${JSON.stringify(document, null, 2)}\n`, { did: document.id, document });
      });
    });
}
