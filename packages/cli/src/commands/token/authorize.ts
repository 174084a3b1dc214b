/**
 * `agent-id token authorize`: a resource server's decision on one request. Every decision
 * is @agent-id/tokens's; this module gathers the trust it needs, records the decision with
 * `--audit`, and prints it.
 *
 * @module commands/token/authorize
 */
import { type AgentIdError, type DelegationHop, type Scope, isAgentIdError } from '@agent-id/core';
import { type AuthorizationResult, type RefusalRecordOptions, type TokenFormat, authorize, refusalRecord } from '@agent-id/tokens';
import type { Command } from 'commander';
import { type CliContext, ROOT_SECRET_FILE_ENV } from '../../context.js';
import { guard } from '../../errors.js';
import { useBaselineWasmCompiler } from '../../biscuit-wasm.js';
import { Refusal } from '../../exit.js';
import { readTokenArg } from '../../io/input.js';
import { keyFilePath, loadSecretFile } from '../../io/keys.js';
import { did } from '../../did-values.js';
import { asGiven, listOption, parsedOption } from '../../option-values.js';
import { Output, isoFromSeconds } from '../../output.js';
import { withJson } from '../shared.js';
import { recordDecision } from './decision-log.js';
import { clockOf, withAt, withRoot } from './options.js';
import { openRevocationStore } from './revocation-store.js';
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
  schema?: string;
  discharge?: string[];
  at?: number;
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
  const command = token
    .command('authorize')
    .description('decide a request as a resource server: exit 0 allowed, 1 denied')
    .argument('<token>', 'the presented token: itself, @FILE, or - for standard input')
    .requiredOption('--resource <resource>', 'the resource asked for')
    .requiredOption('--action <action>', 'the action asked for')
    .addOption(parsedOption('--audience <did>', "your own (the verifier's) DID", did).makeOptionMandatory())
    .addOption(parsedOption('--presenter <did>', 'the agent presenting the token, whose control of its key you checked', did).makeOptionMandatory())
    .option('--task <id>', 'the task the request belongs to, when known');
  withRoot(command, 'required for a Biscuit')
    .option('--root-secret <file>', `Macaroon: the organisation's root secret file (required, or $${ROOT_SECRET_FILE_ENV})`)
    .option('--revocations <file-or-url>', 'revocation store to consult (written by token revoke): a file, or a postgres:// URL whose feed must be current (else revocation_stale)')
    .option('--schema <name>', 'with a postgres:// --revocations: the schema of its tables (default agent_id)')
    .addOption(listOption('--discharge <token>', 'Macaroon: bound discharges of its third-party caveats (token bind), each itself or @FILE', asGiven));
  withAt(command, 'evaluate as of this time')
    .option('--audit <log>', 'append the decision, allow or deny, to this hash-chained audit log')
    .option('--datalog', "Biscuit: also run biscuit-wasm's parse and Datalog authorizer after the native checks");
  withJson(command)
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
        const request = { resource: opts.resource, action: opts.action, audience: opts.audience, ...(opts.task !== undefined ? { task: opts.task } : {}) };
        const clock = clockOf(opts.at);
        let presented: string | undefined;
        // Every refusal is a decision: audited (when asked) with only what verifyChain proves.
        const refuse = async (e: AgentIdError, trust: Omit<RefusalRecordOptions, 'clock'>): Promise<never> => {
          await recordDecision(opts.audit, await refusalRecord({ token: presented, error: e, verifier: opts.audience, agent: opts.presenter, request }, { ...trust, clock }));
          throw new Refusal(e, { allowed: false, decision: 'deny', request, presenter: opts.presenter }, `denied (code: ${e.code}, check: ${e.check})`);
        };
        let text: string;
        let format: TokenFormat;
        const discharges: string[] = [];
        try {
          text = await readTokenArg(ctx, tokenArg, { source: '<token>' });
          presented = text;
          format = tokenFormat(text);
          for (const d of opts.discharge ?? []) discharges.push(await readTokenArg(ctx, d, { source: '--discharge', what: 'discharge' }));
        } catch (e) {
          if (isAgentIdError(e)) return await refuse(e, {});
          throw e;
        }
        const roots = await biscuitRoots(format, opts.root, 'authorizing');
        const rootSecrets =
          format === 'macaroon' ? await loadSecretFile(keyFilePath(ctx, opts.rootSecret, '--root-secret', ROOT_SECRET_FILE_ENV), '--root-secret', 'root secret file') : undefined;
        const revocations = opts.revocations !== undefined ? await openRevocationStore(opts.revocations, { option: '--revocations', create: false, ...(opts.schema !== undefined ? { schema: opts.schema } : {}) }) : undefined;
        const trust = {
          ...(roots !== undefined ? { trustedRoots: roots } : {}),
          ...(rootSecrets !== undefined ? { rootSecrets } : {}),
          ...(discharges.length > 0 ? { discharges } : {}),
        };
        if (opts.datalog) await useBaselineWasmCompiler();
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
