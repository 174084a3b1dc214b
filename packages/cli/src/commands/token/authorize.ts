/**
 * `agent-id token authorize`: a resource server's decision on one request. Every decision
 * is @agent-id/tokens's; this module gathers the trust it needs, records the decision with
 * `--audit`, and prints it.
 *
 * @module commands/token/authorize
 */
import { stat } from 'node:fs/promises';
import { type AgentIdError, type DelegationHop, type Scope, isAgentIdError } from '@agent-id/core';
import { type AuthorizationResult, FileRevocationStore, type RefusalRecordOptions, type TokenFormat, authorize, refusalRecord } from '@agent-id/tokens';
import type { Command } from 'commander';
import { guard } from '../../errors.js';
import { type CliContext, Output, ROOT_SECRET_FILE_ENV, Refusal, UsageError, isoFromSeconds, keyFilePath, loadSecretFile, readTokenArg } from '../../io.js';
import { collect, withJson } from '../shared.js';
import { recordDecision } from './decision-log.js';
import { clockOf, rootOption } from './options.js';
import { biscuitRoots, tokenFormat } from './read.js';

interface AuthorizeOptions {
  resource: string;
  action: string;
  audience: string;
  presenter: string;
  task?: string;
  root?: string[];
  rootSecret?: string;
  revocations?: string;
  discharge?: string[];
  at?: string;
  audit?: string;
  datalog?: boolean;
  json?: boolean;
}

function describeScope(scope: Scope): string[] {
  return [
    `resources: ${scope.resources.join(', ')}`,
    `actions:   ${scope.actions.join(', ')}`,
    `audience:  ${scope.audience.join(', ')}`,
    `expires:   ${isoFromSeconds(scope.expiresAt)}`,
    `max depth: ${scope.maxDepth}`,
  ];
}

function describeChain(chain: readonly DelegationHop[]): string {
  if (chain.length === 0) return '(empty)';
  return [chain[0]!.from, ...chain.map((h) => h.to)].join(' → ');
}

function describeAllowed(request: { resource: string; action: string }, result: AuthorizationResult): string {
  return [
    `allowed: ${request.action} ${request.resource}`,
    `agent:        ${result.agent}`,
    `on behalf of: ${result.onBehalfOf}`,
    `task:         ${result.task}`,
    `chain:        ${describeChain(result.chain)}`,
    'effective scope:',
    ...describeScope(result.effective).map((line) => `  ${line}`),
  ].join('\n');
}

/** Adds `token authorize` to the `token` group. */
export function registerAuthorize(token: Command, ctx: CliContext): void {
  withJson(
    token
      .command('authorize')
      .description('decide a request as a resource server: exit 0 allowed, 1 denied')
      .argument('<token>', 'the presented token: itself, @FILE, or - for standard input')
      .requiredOption('--resource <resource>', 'the resource asked for')
      .requiredOption('--action <action>', 'the action asked for')
      .requiredOption('--audience <did>', "your own (the verifier's) DID")
      .requiredOption('--presenter <did>', 'the agent presenting the token, whose control of its key you checked')
      .option('--task <id>', 'the task the request belongs to, when known')
      .addOption(rootOption())
      .option('--root-secret <file>', `Macaroon: the organisation's root secret file (default: $${ROOT_SECRET_FILE_ENV})`)
      .option('--revocations <file>', 'revocation store to consult (written by token revoke)')
      .option('--discharge <token>', 'Macaroon: bound discharges of its third-party caveats (token bind), each itself or @FILE', collect)
      .option('--at <time>', 'evaluate as of this ISO 8601 time (default now)')
      .option('--audit <log>', 'append the decision, allow or deny, to this hash-chained audit log')
      .option('--datalog', "Biscuit: also run biscuit-wasm's parse and Datalog authorizer after the native checks"),
  )
    .addHelpText(
      'after',
      `
Example:
  $ agent-id token authorize - --root did:key:z6Mk… --presenter did:key:z6Mk… \\
      --resource files:/reports/q3/summary.pdf --action read --audience did:web:files.example < token`,
    )
    .action(async (tokenArg: string, opts: AuthorizeOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readTokenArg(ctx, tokenArg);
        const request = { resource: opts.resource, action: opts.action, audience: opts.audience, ...(opts.task !== undefined ? { task: opts.task } : {}) };
        const clock = clockOf(opts.at);
        // Every refusal is a decision: audited (when asked) with only what verifyChain proves.
        const refuse = async (e: AgentIdError, trust: Omit<RefusalRecordOptions, 'clock'>): Promise<never> => {
          await recordDecision(opts.audit, await refusalRecord({ token: text, error: e, verifier: opts.audience, agent: opts.presenter, request }, { ...trust, clock }));
          throw new Refusal(e, { allowed: false, decision: 'deny', request, presenter: opts.presenter }, `denied (code: ${e.code}, check: ${e.check})`);
        };
        let format: TokenFormat;
        try {
          format = tokenFormat(text);
        } catch (e) {
          if (isAgentIdError(e)) return await refuse(e, {});
          throw e;
        }
        const roots = await biscuitRoots(ctx, format, opts.root, 'authorizing');
        let rootSecrets: { id: string; secret: Uint8Array } | undefined;
        if (format === 'macaroon') {
          rootSecrets = await loadSecretFile(ctx, keyFilePath(ctx, opts.rootSecret, '--root-secret', ROOT_SECRET_FILE_ENV), 'root secret file');
        }
        let revocations: FileRevocationStore | undefined;
        if (opts.revocations !== undefined) {
          // A verifier never creates the store it was told to consult: a wrong path fails closed.
          await stat(opts.revocations).catch((e: unknown) => {
            throw new UsageError(`revocation store ${opts.revocations}: ${isAgentIdError(e) ? e.message : 'cannot be read'}`, { code: 'unreadable_input', check: 'file' });
          });
          revocations = await FileRevocationStore.open(opts.revocations);
        }
        const discharges: string[] = [];
        for (const d of opts.discharge ?? []) discharges.push(await readTokenArg(ctx, d, 'discharge'));
        const trust = {
          ...(roots !== undefined ? { rootPublicKey: roots } : {}),
          ...(rootSecrets !== undefined ? { rootSecrets } : {}),
          ...(discharges.length > 0 ? { discharges } : {}),
        };
        let result: AuthorizationResult;
        try {
          result = await authorize(text, {
            request,
            presenter: opts.presenter,
            clock,
            ...trust,
            ...(revocations !== undefined ? { revocations } : {}),
            ...(opts.datalog ? { datalog: true } : {}),
          });
        } catch (e) {
          if (isAgentIdError(e)) return await refuse(e, trust);
          throw e;
        } finally {
          await revocations?.close();
        }
        await recordDecision(opts.audit, result.record);
        out.result(() => describeAllowed(request, result), {
          ok: true,
          allowed: true,
          decision: 'allow',
          format: result.format,
          agent: result.agent,
          onBehalfOf: result.onBehalfOf,
          issuer: result.issuer,
          task: result.task,
          chain: result.chain,
          revocationIds: result.revocationIds,
          effective: result.effective,
          record: result.record,
        });
      });
    });
}
