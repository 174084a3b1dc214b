/**
 * `agent-id token`: capability tokens (Biscuit or Macaroon) — mint, attenuate, inspect,
 * authorize, revoke. Every decision is @agent-id/tokens's; this module reads inputs and
 * prints results.
 *
 * @module commands/token
 */
import { stat } from 'node:fs/promises';
import { type AgentIdError, AuditLog, type AuditRecord, type Capability, type Clock, type DelegationHop, type PublicKey, type Scope, fixedClock, isAgentIdError, systemClock } from '@agent-id/core';
import {
  type AuthorizationResult,
  CapabilityToken,
  FileRevocationStore,
  type RevocationTarget,
  type TokenFormat,
  type ThirdPartyCaveatSpec,
  attenuate,
  authorize,
  bindDischarge,
  dischargeThirdPartyCaveat,
  inspect,
  mintCapability,
  type RefusalRecordOptions,
  refusalRecord,
} from '@agent-id/tokens';
import { type Command, Option } from 'commander';
import { guard } from '../errors.js';
import {
  type CliContext,
  KEY_FILE_ENV,
  Output,
  ROOT_KEY_FILE_ENV,
  ROOT_SECRET_FILE_ENV,
  Refusal,
  UsageError,
  fingerprint,
  isoFromSeconds,
  keyFilePath,
  loadKeyFile,
  loadRootPublicKeys,
  loadSecretFile,
  parseCountArg,
  parseDurationArg,
  parseTimeArg,
  readTokenArg,
} from '../io.js';
import { collect, withJson } from './shared.js';

interface ExpiryOptions {
  ttl?: string;
  expires?: string;
  at?: string;
}

interface ThirdPartyOptions {
  thirdParty?: string;
  thirdPartySecret?: string;
  thirdPartyCondition: string;
}

interface MintOptions extends ExpiryOptions, ThirdPartyOptions {
  format: TokenFormat;
  agent: string;
  user: string;
  task: string;
  resource: string[];
  action: string[];
  audience: string[];
  maxDepth: string;
  rootKey?: string;
  rootSecret?: string;
  issuer?: string;
  json?: boolean;
}

interface AttenuateOptions extends ExpiryOptions, ThirdPartyOptions {
  key?: string;
  to: string;
  resource?: string[];
  action?: string[];
  audience?: string[];
  maxDepth?: string;
  root?: string[];
  json?: boolean;
}

interface InspectOptions {
  root?: string[];
  json?: boolean;
}

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

interface DischargeOptions extends ExpiryOptions {
  secret: string;
  expectCondition?: string;
  json?: boolean;
}

interface BindOptions {
  json?: boolean;
}

interface RevokeOptions {
  store: string;
  hop?: string;
  id?: string;
  agent?: string;
  user?: string;
  reason?: string;
  root?: string[];
  json?: boolean;
}

/** The clock of `--at` (evaluate as of a time), or the system clock. */
function clockOf(at: string | undefined): Clock {
  return at === undefined ? systemClock : fixedClock(parseTimeArg(at, '--at'));
}

/** Expiry in seconds since the epoch from `--ttl` (relative to `--at`/now) or `--expires`. */
function expiryOf(opts: ExpiryOptions, required: boolean): number | undefined {
  if (opts.ttl !== undefined && opts.expires !== undefined) throw new UsageError('give --ttl or --expires, not both');
  if (opts.ttl !== undefined) return Math.floor((clockOf(opts.at)() + parseDurationArg(opts.ttl, '--ttl')) / 1000);
  if (opts.expires !== undefined) return Math.floor(parseTimeArg(opts.expires, '--expires') / 1000);
  if (required) throw new UsageError('an expiry is needed: --ttl DURATION (e.g. 15m) or --expires TIME');
  return undefined;
}

/** The format of a token, to know which trust root it needs (nothing is verified here). */
function formatOf(token: string): TokenFormat {
  return CapabilityToken.parse(token, { maxTokenBytes: 64 * 1024 }).format;
}

async function biscuitRoots(ctx: CliContext, format: TokenFormat, roots: readonly string[] | undefined, what: string): Promise<PublicKey[] | undefined> {
  if (format !== 'biscuit') return undefined;
  if (roots === undefined || roots.length === 0) throw new UsageError(`${what} a Biscuit token needs --root (the organisation's did:key or public JWK file)`);
  return loadRootPublicKeys(ctx, roots);
}

/** A Macaroon third-party caveat from `--third-party LOCATION --third-party-secret FILE`. */
async function thirdPartyOf(ctx: CliContext, opts: ThirdPartyOptions, format: TokenFormat): Promise<ThirdPartyCaveatSpec[] | undefined> {
  if (opts.thirdParty === undefined && opts.thirdPartySecret === undefined) return undefined;
  if (format !== 'macaroon') throw new UsageError('third-party caveats are a Macaroon feature');
  if (opts.thirdParty === undefined || opts.thirdPartySecret === undefined) {
    throw new UsageError('a third-party caveat needs both --third-party LOCATION and --third-party-secret FILE');
  }
  const shared = await loadSecretFile(ctx, opts.thirdPartySecret, 'third-party secret file');
  return [{ location: opts.thirdParty, keyId: shared.id, secret: shared.secret, condition: opts.thirdPartyCondition }];
}

/** Adds the Macaroon third-party caveat options, then `--json`. */
const withThirdParty = (command: Command) =>
  withJson(
    command
      .option('--third-party <location>', 'Macaroon: add a third-party caveat the holder must discharge with the organisation at LOCATION')
      .option('--third-party-secret <file>', 'Macaroon: the secret shared with that organisation (agent-id key secret; its kid names it)')
      .option('--third-party-condition <text>', 'Macaroon: what the third party must confirm', 'delegation-live'),
  );

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

const rootOption = () => new Option('--root <did-or-file>', "trusted root key for Biscuit: the organisation's did:key or a JWK file (repeatable)").argParser(collect);
const expiryOptions = (command: Command, what: string) =>
  command
    .option('--ttl <duration>', `${what} lifetime from now (or from --at), e.g. 15m, 2h`)
    .option('--expires <time>', `${what} expiry, ISO 8601`);

/** Adds the `token` subcommands to the `token` group. */
export function registerTokenCommands(token: Command, ctx: CliContext): void {
  withThirdParty(
    expiryOptions(
      token
        .command('mint')
        .description("mint a capability as the organisation's root authority")
        .addOption(new Option('--format <format>', 'token format').choices(['biscuit', 'macaroon']).makeOptionMandatory())
        .requiredOption('--agent <did>', 'the agent the capability is minted to (a did:key for Biscuit: it signs the next hop)')
        .requiredOption('--user <user>', 'the user or organisation on whose behalf the agent acts')
        .requiredOption('--task <id>', 'the task the capability is for')
        .requiredOption('--resource <resource...>', 'resource names or prefix patterns ending in * (repeatable)', collect)
        .requiredOption('--action <action...>', 'actions (repeatable)', collect)
        .requiredOption('--audience <did...>', 'DIDs of the services that may accept it (repeatable)', collect),
      'token',
    )
      .option('--max-depth <n>', 'how many further delegations are allowed', '3')
      .option('--root-key <file>', `Biscuit: the organisation's private JWK file (default: $${ROOT_KEY_FILE_ENV})`)
      .option('--root-secret <file>', `Macaroon: the organisation's root secret file (default: $${ROOT_SECRET_FILE_ENV})`)
      .option('--issuer <did>', "the organisation's DID (Biscuit default: the root key's did:key; required for Macaroon)"),
  )
    .addHelpText(
      'after',
      `
Example:
  $ agent-id token mint --format biscuit --root-key acme.jwk --agent did:key:z6Mk… \\
      --user alice --task q3-report --resource 'files:/reports/*' --action read \\
      --audience did:web:files.example --ttl 1h --max-depth 3 > token`,
    )
    .action(async (opts: MintOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const expiresAt = expiryOf(opts, true)!;
        const capability: Capability = {
          holder: opts.agent,
          onBehalfOf: opts.user,
          task: opts.task,
          resources: opts.resource,
          actions: opts.action,
          audience: opts.audience,
          expiresAt,
          maxDepth: parseCountArg(opts.maxDepth, '--max-depth'),
        };
        let minted: CapabilityToken;
        let issuer: string;
        if (opts.format === 'biscuit') {
          if (opts.rootSecret !== undefined) throw new UsageError('--root-secret is for Macaroon tokens; a Biscuit is signed with --root-key');
          await thirdPartyOf(ctx, opts, 'biscuit');
          const rootKey = await loadKeyFile(keyFilePath(ctx, opts.rootKey, '--root-key', ROOT_KEY_FILE_ENV), 'root key file');
          minted = await mintCapability(capability, { format: 'biscuit', rootKey, ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}) });
          issuer = opts.issuer ?? (await inspect(minted, { rootPublicKey: rootKey.publicKey })).issuer;
        } else {
          if (opts.rootKey !== undefined) throw new UsageError('--root-key is for Biscuit tokens; a Macaroon is keyed with --root-secret');
          if (opts.issuer === undefined) throw new UsageError("a Macaroon needs --issuer (the organisation's DID)");
          const rootSecret = await loadSecretFile(ctx, keyFilePath(ctx, opts.rootSecret, '--root-secret', ROOT_SECRET_FILE_ENV), 'root secret file');
          const thirdPartyCaveats = await thirdPartyOf(ctx, opts, 'macaroon');
          minted = await mintCapability(capability, {
            format: 'macaroon',
            rootSecret,
            issuer: opts.issuer,
            ...(thirdPartyCaveats !== undefined ? { thirdPartyCaveats } : {}),
          });
          issuer = opts.issuer;
        }
        const text = minted.serialize();
        out.message(`minted ${minted.format} token ${fingerprint(text)} for ${opts.agent}: task ${opts.task}, expires ${isoFromSeconds(expiresAt)}`);
        out.result(text, {
          token: text,
          format: minted.format,
          size: minted.size,
          issuer,
          holder: capability.holder,
          onBehalfOf: capability.onBehalfOf,
          task: capability.task,
          scope: {
            resources: capability.resources,
            actions: capability.actions,
            audience: capability.audience,
            expiresAt: capability.expiresAt,
            maxDepth: capability.maxDepth,
          },
          expires: isoFromSeconds(expiresAt),
        });
      });
    });

  withThirdParty(
    expiryOptions(
      token
        .command('attenuate')
        .description('hand a token on to another agent, narrowed (offline; your key signs the hop)')
        .argument('<token>', 'the token: itself, @FILE, or - for standard input')
        .option('--key <file>', `your private JWK file: you must be the token's holder (default: $${KEY_FILE_ENV})`)
        .requiredOption('--to <did>', 'the delegate agent (a did:key for Biscuit)')
        .option('--resource <resource...>', 'keep only these resources (repeatable; each within the parent)', collect)
        .option('--action <action...>', 'keep only these actions (repeatable)', collect)
        .option('--audience <did...>', 'keep only these audiences (repeatable)', collect),
      'new',
    )
      .option('--max-depth <n>', 'further delegations allowed below the delegate (default: one less than now)')
      .option('--at <time>', 'the time --ttl counts from, ISO 8601 (default now)')
      .addOption(rootOption()),
  )
    .addHelpText(
      'after',
      `
Example:
  $ agent-id token attenuate - --key planner.jwk --to did:key:z6Mk… \\
      --resource 'files:/reports/q3/*' --action read --ttl 15m < token > token.2`,
    )
    .action(async (tokenArg: string, opts: AttenuateOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readTokenArg(ctx, tokenArg);
        const format = formatOf(text);
        const roots = await biscuitRoots(ctx, format, opts.root, 'attenuating');
        const signer = await loadKeyFile(keyFilePath(ctx, opts.key, '--key', KEY_FILE_ENV));
        const expiresAt = expiryOf(opts, false);
        const narrowing: Partial<Scope> = {
          ...(opts.resource !== undefined ? { resources: opts.resource } : {}),
          ...(opts.action !== undefined ? { actions: opts.action } : {}),
          ...(opts.audience !== undefined ? { audience: opts.audience } : {}),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
          ...(opts.maxDepth !== undefined ? { maxDepth: parseCountArg(opts.maxDepth, '--max-depth') } : {}),
        };
        const thirdPartyCaveats = await thirdPartyOf(ctx, opts, format);
        const child = await attenuate(text, {
          to: opts.to,
          signer,
          narrowing,
          ...(roots !== undefined ? { rootPublicKey: roots } : {}),
          ...(thirdPartyCaveats !== undefined ? { thirdPartyCaveats } : {}),
        });
        const serialized = child.serialize();
        out.message(`attenuated ${child.format} token to ${opts.to}: ${fingerprint(serialized)}`);
        out.result(serialized, { token: serialized, format: child.format, size: child.size, to: opts.to, narrowing });
      });
    });

  withJson(
    token
      .command('inspect')
      .description('show every hop of a token — who delegated to whom, what was kept, until when (UNVERIFIED view)')
      .argument('<token>', 'the token: itself, @FILE, or - for standard input')
      .addOption(rootOption()),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id token inspect @token --root did:key:z6Mk…')
    .action(async (tokenArg: string, opts: InspectOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readTokenArg(ctx, tokenArg);
        const roots = await biscuitRoots(ctx, formatOf(text), opts.root, 'reading');
        const view = await inspect(text, roots !== undefined ? { rootPublicKey: roots } : {});
        out.result(view.text, view);
      });
    });

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
        const record = async (entry: AuditRecord): Promise<void> => {
          if (opts.audit === undefined) return;
          const log = await AuditLog.open(opts.audit);
          try {
            await log.append(entry);
          } finally {
            await log.close();
          }
        };
        // Every refusal is a decision: audited (when asked) with only what verifyChain proves.
        const refuse = async (e: AgentIdError, trust: Omit<RefusalRecordOptions, 'clock'>): Promise<never> => {
          await record(await refusalRecord({ token: text, error: e, verifier: opts.audience, agent: opts.presenter, request }, { ...trust, clock }));
          throw new Refusal(e, { allowed: false, decision: 'deny', request, presenter: opts.presenter }, `denied (code: ${e.code}, check: ${e.check})`);
        };
        let format: TokenFormat;
        try {
          format = formatOf(text);
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
        await record(result.record);
        out.result(
          () =>
            [
              `allowed: ${request.action} ${request.resource}`,
              `agent:        ${result.agent}`,
              `on behalf of: ${result.onBehalfOf}`,
              `task:         ${result.task}`,
              `chain:        ${describeChain(result.chain)}`,
              'effective scope:',
              ...describeScope(result.effective).map((line) => `  ${line}`),
            ].join('\n'),
          {
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
          },
        );
      });
    });

  withJson(
    token
      .command('revoke')
      .description("record a revocation: one hop of a task's token (and all below it), an agent, or a user")
      .argument('[token]', 'the token whose hop to revoke: itself, @FILE, or - for standard input')
      .requiredOption('--store <file>', 'the revocation store (created owner-only if missing)')
      .option('--hop <n>', "with TOKEN: which hop to revoke, 0 = the authority (default: the token's last hop)")
      .option('--id <revocation-id>', 'revoke one hop by its revocation id (from token inspect)')
      .option('--agent <did>', 'revoke every token whose chain passes through this agent')
      .option('--user <user>', 'revoke everything acting on behalf of this user or organisation')
      .option('--reason <text>', 'why, kept in the store')
      .addOption(rootOption()),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ agent-id token revoke @token.3 --store revoked.jsonl --root did:key:z6Mk…   # that token and all below it
  $ agent-id token revoke --agent did:key:z6Mk… --store revoked.jsonl
  $ agent-id token revoke --user alice --store revoked.jsonl`,
    )
    .action(async (tokenArg: string | undefined, opts: RevokeOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const given = [tokenArg, opts.id, opts.agent, opts.user].filter((v) => v !== undefined).length;
        if (given !== 1) throw new UsageError('name exactly one thing to revoke: TOKEN, --id, --agent or --user');
        if (opts.hop !== undefined && tokenArg === undefined) throw new UsageError('--hop needs TOKEN');
        let target: RevocationTarget;
        let described: string;
        if (tokenArg !== undefined) {
          const text = await readTokenArg(ctx, tokenArg);
          const roots = await biscuitRoots(ctx, formatOf(text), opts.root, 'reading');
          const view = await inspect(text, roots !== undefined ? { rootPublicKey: roots } : {});
          const ids = view.blocks.map((b) => b.revocationId);
          const hop = opts.hop !== undefined ? parseCountArg(opts.hop, '--hop') : view.chain.length - 1;
          const hopInfo = view.chain[hop];
          const id = ids[hop];
          if (hopInfo === undefined || id === undefined || id === '') throw new UsageError(`--hop ${hop} is not a hop of this token (it has ${view.chain.length})`);
          target = { kind: 'token', id };
          described = `hop ${hop} (${hopInfo.from} → ${hopInfo.to}, task ${view.task}) and every token derived from it`;
        } else if (opts.id !== undefined) {
          target = { kind: 'token', id: opts.id };
          described = `the hop with revocation id ${opts.id} and every token derived from it`;
        } else if (opts.agent !== undefined) {
          target = { kind: 'agent', did: opts.agent };
          described = `every token whose chain passes through ${opts.agent}`;
        } else {
          target = { kind: 'principal', id: opts.user! };
          described = `everything acting on behalf of ${opts.user}`;
        }
        const store = await FileRevocationStore.open(opts.store);
        try {
          const entry = await store.revoke(target, opts.reason !== undefined ? { reason: opts.reason } : {});
          out.result(`revoked ${described}`, { ok: true, revoked: entry, store: opts.store });
        } finally {
          await store.close();
        }
      });
    });

  withJson(
    expiryOptions(
      token
        .command('discharge')
        .description("the third party's side of a Macaroon third-party caveat: confirm it with a short-lived discharge")
        .argument('<caveat-id>', 'the caveat id (token inspect lists it), itself, @FILE or -')
        .requiredOption('--secret <file>', 'the secret your organisation shares with the issuer (its kid must match the caveat)')
        .option('--expect-condition <text>', 'refuse unless the caveat asks for exactly this condition'),
      'discharge',
    ).option('--at <time>', 'the time --ttl counts from, ISO 8601 (default now)'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id token discharge "$CAVEAT_ID" --secret globex-shared.secret --ttl 1m --expect-condition delegation-live > discharge')
    .action(async (caveatArg: string, opts: DischargeOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const caveatId = await readTokenArg(ctx, caveatArg, 'caveat id');
        const shared = await loadSecretFile(ctx, opts.secret, 'shared secret file');
        const expiresAt = expiryOf(opts, true)!;
        const discharge = await dischargeThirdPartyCaveat(caveatId, {
          keyId: shared.id,
          secret: shared.secret,
          expiresAt,
          // Running this command is the confirmation; --expect-condition narrows what is confirmed.
          confirm: (caveat) => opts.expectCondition === undefined || caveat.condition === opts.expectCondition,
        });
        const text = discharge.serialize();
        out.message(`discharged third-party caveat until ${isoFromSeconds(expiresAt)}: ${fingerprint(text)}`);
        out.result(text, { token: text, format: discharge.format, expires: isoFromSeconds(expiresAt) });
      });
    });

  withJson(
    token
      .command('bind')
      .description('bind a discharge to the exact token you present (after your last attenuation)')
      .argument('<token>', 'the token you will present: itself, @FILE or -')
      .argument('<discharge>', 'the discharge from the third party: itself, @FILE or -'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id token bind @token @discharge > discharge.bound')
    .action(async (tokenArg: string, dischargeArg: string, opts: BindOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readTokenArg(ctx, tokenArg);
        const discharge = await readTokenArg(ctx, dischargeArg, 'discharge');
        const bound = bindDischarge(text, discharge).serialize();
        out.message(`bound discharge ${fingerprint(bound)}`);
        out.result(bound, { token: bound, format: 'macaroon' });
      });
    });
}
