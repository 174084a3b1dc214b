/**
 * `agent-id vc`: ownership credentials (VC-JWT) an organisation issues for its agents.
 *
 * @module commands/vc
 */
import { fixedClock } from '@agent-id/core';
import { type AgentIdentity, type CredentialStatusEntry, StatusList, type StatusPurpose, createAgentIdentity, createDidResolver, createStatusListResolver, issueOwnershipCredential, parseDidWeb, reinstateCredential, revokeCredential, suspendCredential, verifyOwnershipCredential } from '@agent-id/did';
import { FileStatusListStore } from '@agent-id/did/node';
import type { Command } from 'commander';
import { type CliContext, ISSUER_KEY_FILE_ENV } from '../context.js';
import { guard } from '../errors.js';
import { readTokenArg } from '../io/input.js';
import { keyFilePath, loadKeyFile } from '../io/keys.js';
import { did, didUrl } from '../did-values.js';
import { asGiven, choiceOption, duration, httpUrl, invalidOption, listOption, parsedOption, time } from '../option-values.js';
import { UsageError } from '../exit.js';
import { Output, fingerprint, isoFromMillis } from '../output.js';
import { withJson } from './shared.js';

interface VcIssueOptions {
  issuerKey?: string;
  issuer?: string;
  kid?: string;
  agent: string;
  onBehalfOf?: string;
  name?: string;
  agentVersion?: string;
  ttl?: number;
  validFrom?: number;
  id?: string;
  statusDir?: string;
  statusUrl?: string;
  suspendable?: boolean;
  dataModel?: '1.1' | '2.0';
  json?: boolean;
}

interface VcStatusChangeOptions {
  issuerKey?: string;
  issuer?: string;
  kid?: string;
  statusDir?: string;
  statusUrl?: string;
  lift?: boolean;
  json?: boolean;
}

interface VcVerifyOptions {
  trust: string[];
  agent?: string;
  at?: number;
  revoked?: string[];
  allowHttpLoopback?: boolean;
  json?: boolean;
}

/** The issuing identity: the key file's did:key, or the did:web named by `--issuer`, signing with `--kid`. */
async function issuerIdentity(ctx: CliContext, opts: { issuerKey?: string; issuer?: string; kid?: string }): Promise<AgentIdentity> {
  const keyPair = await loadKeyFile(keyFilePath(ctx, opts.issuerKey, '--issuer-key', ISSUER_KEY_FILE_ENV), '--issuer-key', 'issuer key file');
  let issuer: AgentIdentity = createAgentIdentity({ keyPair });
  if (opts.issuer !== undefined && opts.issuer !== issuer.did) {
    if (!opts.issuer.startsWith('did:web:')) {
      throw invalidOption('--issuer', `--issuer ${opts.issuer.slice(0, 64)} is neither a did:web nor the key file's did:key (${issuer.did})`);
    }
    const { host, path } = parseDidWeb(opts.issuer);
    issuer = createAgentIdentity({ method: 'web', domain: host, path, keyPair });
  }
  if (opts.kid !== undefined) {
    if (!opts.kid.startsWith(`${issuer.did}#`)) throw invalidOption('--kid', `--kid must be a DID URL of ${issuer.did}`);
    issuer = { ...issuer, keyId: opts.kid };
  }
  return issuer;
}

/** The organisation's status lists kept in `--status-dir`, served at `--status-url`/revocation and /suspension. */
async function statusLists(issuer: AgentIdentity, opts: { statusDir?: string; statusUrl?: string }, purposes: readonly StatusPurpose[]): Promise<StatusList[]> {
  if (opts.statusDir === undefined) throw new UsageError('--status-dir is required here', { code: 'missing_option', check: '--status-dir' });
  if (opts.statusUrl === undefined) throw new UsageError('--status-url is required with --status-dir', { code: 'missing_option', check: '--status-url' });
  const store = await FileStatusListStore.open(opts.statusDir);
  const base = opts.statusUrl.replace(/\/+$/, '');
  return Promise.all(purposes.map((statusPurpose) => StatusList.open({ issuer, url: `${base}/${statusPurpose}`, statusPurpose, store })));
}

const statusOptions = (command: Command): Command =>
  command
    .option('--status-dir <dir>', "directory of the organisation's status lists (created if absent)")
    .addOption(parsedOption('--status-url <url>', 'where the lists are served: <url>/revocation and <url>/suspension, on the issuer host', httpUrl));

const entryLines = (entries: readonly CredentialStatusEntry[]): string[] =>
  entries.map((e) => `${e.statusPurpose.padEnd(10)}  index ${e.statusListIndex} of ${e.statusListCredential}`);

/** Adds `vc issue`, `vc verify`, `vc status`, `vc revoke` and `vc suspend` to the `vc` group. */
export function registerVcCommands(vc: Command, ctx: CliContext): void {

  withJson(
    statusOptions(vc.command('issue'))
      .description('issue a credential stating that the issuer operates an agent (on behalf of a user)')
      .option('--issuer-key <file>', `issuer's private JWK file (required, or $${ISSUER_KEY_FILE_ENV})`)
      .addOption(parsedOption('--issuer <did>', "issuer DID when it is a did:web (default: the key's did:key)", did))
      .addOption(parsedOption('--kid <didurl>', 'key id to sign with (default: <issuer>#key-1 for did:web)', didUrl))
      .addOption(parsedOption('--agent <did>', 'the agent the credential is about', did).makeOptionMandatory())
      .option('--on-behalf-of <user>', 'the user (or organisation) the agent acts for')
      .option('--name <name>', "the agent's name")
      .option('--agent-version <version>', "the agent's version")
      .addOption(parsedOption('--ttl <duration>', 'lifetime, e.g. 24h, 30d (default 30d)', duration))
      .addOption(parsedOption('--valid-from <time>', 'start of validity, ISO 8601 (default now)', time))
      .option('--id <id>', 'credential id to revoke it by (default urn:uuid:…)')
      .addOption(choiceOption('--data-model <version>', 'VC data model: 1.1 (VC-JWT, default) or 2.0 (vc+jwt)', ['1.1', '2.0']))
      .option('--suspendable', 'also give it a suspension entry (with --status-dir)'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id vc issue --issuer-key acme.jwk --issuer did:web:acme.example --agent did:key:z6Mk… --on-behalf-of alice --ttl 24h > planner.vc\n  $ agent-id vc issue --issuer-key acme.jwk --agent did:key:z6Mk… --status-dir status --status-url https://acme.example/status --suspendable > planner.vc')
    .action(async (opts: VcIssueOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const issuer = await issuerIdentity(ctx, opts);
        if (opts.suspendable && opts.statusDir === undefined) throw new UsageError('--suspendable needs --status-dir', { code: 'usage', check: '--suspendable' });
        const status =
          opts.statusDir !== undefined || opts.statusUrl !== undefined
            ? await statusLists(issuer, opts, opts.suspendable ? ['revocation', 'suspension'] : ['revocation'])
            : undefined;
        const jwt = await issueOwnershipCredential(issuer, {
          agent: opts.agent,
          ...(opts.onBehalfOf !== undefined ? { onBehalfOf: opts.onBehalfOf } : {}),
          ...(opts.name !== undefined ? { agentName: opts.name } : {}),
          ...(opts.agentVersion !== undefined ? { agentVersion: opts.agentVersion } : {}),
          ...(opts.ttl !== undefined ? { ttlMs: opts.ttl } : {}),
          ...(opts.validFrom !== undefined ? { validFrom: opts.validFrom } : {}),
          ...(opts.id !== undefined ? { id: opts.id } : {}),
          ...(status !== undefined ? { status } : {}),
          ...(opts.dataModel !== undefined ? { dataModel: opts.dataModel } : {}),
        });
        out.message(`issued ownership credential ${fingerprint(jwt)} by ${issuer.did} for ${opts.agent}`);
        out.result(jwt, { credential: jwt, token: jwt, issuer: issuer.did, keyId: issuer.keyId, agent: opts.agent });
      });
    });

  withJson(
    vc
      .command('verify')
      .description('verify an ownership credential against the issuers you trust')
      .argument('<jwt>', 'the credential: the JWT itself, @FILE, or - for standard input')
      .addOption(listOption('--trust <did>', 'issuer DIDs whose credentials are accepted (repeatable)', did).makeOptionMandatory())
      .addOption(parsedOption('--agent <did>', 'the agent the credential must be about', did))
      .addOption(parsedOption('--at <time>', 'evaluate as of this ISO 8601 time (default now)', time))
      .addOption(listOption('--revoked <id>', 'credential ids that are revoked (repeatable)', asGiven))
      .option('--allow-http-loopback', 'resolve did:web issuers on 127.0.0.1/localhost over plain HTTP'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id vc verify @planner.vc --trust did:web:acme.example --agent did:key:z6Mk…')
    .action(async (jwtArg: string, opts: VcVerifyOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const jwt = await readTokenArg(ctx, jwtArg, { source: '<jwt>', what: 'credential' });
        const clock = opts.at !== undefined ? fixedClock(opts.at) : undefined;
        const revoked = new Set(opts.revoked ?? []);
        const resolver = createDidResolver({ allowHttpLoopback: opts.allowHttpLoopback === true, cacheTtlMs: 0 });
        const facts = await verifyOwnershipCredential(jwt, resolver, {
          trustedIssuers: opts.trust,
          ...(opts.agent !== undefined ? { subject: opts.agent } : {}),
          ...(clock !== undefined ? { clock } : {}),
          isRevoked: (id) => revoked.has(id),
          statusLists: createStatusListResolver(resolver, { allowHttpLoopback: opts.allowHttpLoopback === true, ...(clock !== undefined ? { clock } : {}) }),
        });
        const data = { ok: true, ...facts, validFrom: isoFromMillis(facts.validFrom), validUntil: isoFromMillis(facts.validUntil) };
        out.result(
          () =>
            [
              `valid ownership credential ${facts.id}`,
              `issuer:       ${facts.issuer} (key ${facts.keyId})`,
              `agent:        ${facts.agent}${facts.agentName !== undefined ? ` (${facts.agentName}${facts.agentVersion !== undefined ? ` ${facts.agentVersion}` : ''})` : ''}`,
              ...(facts.onBehalfOf !== undefined ? [`on behalf of: ${facts.onBehalfOf}`] : []),
              `valid:        ${data.validFrom} to ${data.validUntil}`,
              ...(facts.credentialStatus !== undefined ? [`status:       active (${facts.credentialStatus.map((e) => e.statusPurpose).join(', ')} checked)`] : []),
            ].join('\n'),
          data,
        );
      });
    });

  withJson(
    vc
      .command('status')
      .description("check a credential's status in its issuer's status lists (revoked, suspended or active)")
      .argument('<jwt>', 'the credential: the JWT itself, @FILE, or - for standard input')
      .addOption(listOption('--trust <did>', 'issuer DIDs whose credentials are accepted (repeatable)', did).makeOptionMandatory())
      .addOption(parsedOption('--at <time>', 'evaluate as of this ISO 8601 time (default now)', time))
      .option('--allow-http-loopback', 'fetch DID documents and status lists on 127.0.0.1/localhost over plain HTTP'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id vc status @planner.vc --trust did:web:acme.example   # exit 1 with code revoked or suspended')
    .action(async (jwtArg: string, opts: VcVerifyOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const jwt = await readTokenArg(ctx, jwtArg, { source: '<jwt>', what: 'credential' });
        const clock = opts.at !== undefined ? fixedClock(opts.at) : undefined;
        const loopback = opts.allowHttpLoopback === true;
        const resolver = createDidResolver({ allowHttpLoopback: loopback, cacheTtlMs: 0 });
        const facts = await verifyOwnershipCredential(jwt, resolver, {
          trustedIssuers: opts.trust,
          ...(clock !== undefined ? { clock } : {}),
          statusLists: createStatusListResolver(resolver, { allowHttpLoopback: loopback, ...(clock !== undefined ? { clock } : {}) }),
        });
        const entries = facts.credentialStatus ?? [];
        const status = entries.length > 0 ? 'active' : 'no status entry';
        out.result(() => [`${status}: credential ${facts.id} of ${facts.agent}`, ...entryLines(entries)].join('\n'), {
          ok: true,
          status,
          id: facts.id,
          issuer: facts.issuer,
          agent: facts.agent,
          credentialStatus: entries,
        });
      });
    });

  const change = (name: 'revoke' | 'suspend', description: string, example: string) =>
    withJson(
      statusOptions(
        vc
          .command(name)
          .description(description)
          .argument('<jwt>', 'the credential as issued: the JWT itself, @FILE, or - for standard input')
          .option('--issuer-key <file>', `issuer's private JWK file (required, or $${ISSUER_KEY_FILE_ENV})`)
          .addOption(parsedOption('--issuer <did>', "issuer DID when it is a did:web (default: the key's did:key)", did))
          .addOption(parsedOption('--kid <didurl>', 'key id to sign the list with (default: <issuer>#key-1 for did:web)', didUrl)),
      ),
    ).addHelpText('after', `\nExample:\n  $ ${example}`);

  const run = (name: 'revoke' | 'suspend') => async (jwtArg: string, opts: VcStatusChangeOptions) => {
    const out = new Output(ctx, opts.json);
    await guard(ctx, out, async () => {
      const jwt = await readTokenArg(ctx, jwtArg, { source: '<jwt>', what: 'credential' });
      const issuer = await issuerIdentity(ctx, opts);
      const lists = await statusLists(issuer, opts, ['revocation', 'suspension']);
      const apply = name === 'revoke' ? revokeCredential : opts.lift ? reinstateCredential : suspendCredential;
      const entry = await apply(jwt, lists);
      const list = lists.find((l) => l.url === entry.statusListCredential)!;
      const done = name === 'revoke' ? 'revoked' : opts.lift ? 'reinstated' : 'suspended';
      out.message(`${done}: ${entry.statusPurpose} index ${entry.statusListIndex}; the list at ${list.url} is signed anew in ${opts.statusDir}`);
      const listCredential = await list.credential();
      out.result(() => listCredential, { ok: true, status: done, entry, statusListCredential: list.url, listCredential });
    });
  };

  withJson(
    statusOptions(
      vc
        .command('status-list')
        .description("print the organisation's signed status list credential, to serve at its URL")
        .option('--issuer-key <file>', `issuer's private JWK file (required, or $${ISSUER_KEY_FILE_ENV})`)
        .addOption(parsedOption('--issuer <did>', "issuer DID when it is a did:web (default: the key's did:key)", did))
        .addOption(parsedOption('--kid <didurl>', 'key id to sign the list with (default: <issuer>#key-1 for did:web)', didUrl))
        .addOption(choiceOption('--purpose <purpose>', 'which list (default revocation)', ['revocation', 'suspension'])),
    ),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id vc status-list --issuer-key acme.jwk --status-dir status --status-url https://acme.example/status > revocation.jwt')
    .action(async (opts: VcStatusChangeOptions & { purpose?: StatusPurpose }) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const issuer = await issuerIdentity(ctx, opts);
        const [list] = await statusLists(issuer, opts, [opts.purpose ?? 'revocation']);
        const listCredential = await list!.credential();
        out.message(`status list ${list!.statusPurpose}: serve it at ${list!.url} (content-type application/vc+jwt)`);
        out.result(listCredential, { ok: true, statusPurpose: list!.statusPurpose, statusListCredential: list!.url, listCredential });
      });
    });

  change('revoke', 'revoke a credential for good: set its bit in the revocation list and sign the list anew', 'agent-id vc revoke @planner.vc --issuer-key acme.jwk --status-dir status --status-url https://acme.example/status').action(run('revoke'));
  change('suspend', 'suspend a credential (or lift a suspension with --lift): flip its bit in the suspension list and sign it anew', 'agent-id vc suspend @planner.vc --issuer-key acme.jwk --status-dir status --status-url https://acme.example/status --lift')
    .option('--lift', 'lift the suspension (reinstate the credential)')
    .action(run('suspend'));
}
