/**
 * `agent-id vc`: ownership credentials (VC-JWT) an organisation issues for its agents.
 *
 * @module commands/vc
 */
import { fixedClock } from '@agent-id/core';
import { type AgentIdentity, createAgentIdentity, createDidResolver, issueOwnershipCredential, parseDidWeb, verifyOwnershipCredential } from '@agent-id/did';
import type { Command } from 'commander';
import { type CliContext, ISSUER_KEY_FILE_ENV } from '../context.js';
import { guard } from '../errors.js';
import { readTokenArg } from '../io/input.js';
import { keyFilePath, loadKeyFile } from '../io/keys.js';
import { did, didUrl } from '../did-values.js';
import { asGiven, duration, invalidOption, listOption, parsedOption, time } from '../option-values.js';
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

/** Adds `vc issue` and `vc verify` to the `vc` group. */
export function registerVcCommands(vc: Command, ctx: CliContext): void {

  withJson(
    vc
      .command('issue')
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
      .option('--id <id>', 'credential id to revoke it by (default urn:uuid:…)'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id vc issue --issuer-key acme.jwk --issuer did:web:acme.example --agent did:key:z6Mk… --on-behalf-of alice --ttl 24h > planner.vc')
    .action(async (opts: VcIssueOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
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
        const jwt = await issueOwnershipCredential(issuer, {
          agent: opts.agent,
          ...(opts.onBehalfOf !== undefined ? { onBehalfOf: opts.onBehalfOf } : {}),
          ...(opts.name !== undefined ? { agentName: opts.name } : {}),
          ...(opts.agentVersion !== undefined ? { agentVersion: opts.agentVersion } : {}),
          ...(opts.ttl !== undefined ? { ttlMs: opts.ttl } : {}),
          ...(opts.validFrom !== undefined ? { validFrom: opts.validFrom } : {}),
          ...(opts.id !== undefined ? { id: opts.id } : {}),
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
            ].join('\n'),
          data,
        );
      });
    });
}
