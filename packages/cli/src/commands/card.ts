/**
 * `agent-id card`: sign A2A agent cards, and verify them against a trust policy. Every
 * decision is @agent-id/a2a-cards'; this module reads files and URLs and prints.
 *
 * @module commands/card
 */
import {
  type AgentCardVerdict,
  type TrustPolicy,
  type TrustedSigner,
  attachOwnershipCredential,
  createJwksCache,
  defineTrustPolicy,
  fetchAndVerify,
  signAgentCard,
  verifyAgentCard,
} from '@agent-id/a2a-cards';
import { fixedClock } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { createAgentIdentity, createDidResolver } from '@agent-id/did';
import type { Command } from 'commander';
import { type CliContext, KEY_FILE_ENV } from '../context.js';
import { guard } from '../errors.js';
import { UsageError } from '../exit.js';
import { writeOutputFile } from '../io/files.js';
import { MAX_JSON_BYTES, readInput, readTokenArg } from '../io/input.js';
import { keyFilePath, loadKeyFile, readPublicJwkFile } from '../io/keys.js';
import { did, didUrl } from '../did-values.js';
import { asGiven, count, duration, listOption, parsedOption, time } from '../option-values.js';
import { Output } from '../output.js';
import { withJson } from './shared.js';

interface CardSignOptions {
  key?: string;
  kid?: string;
  ownershipCredential?: string;
  allowUncovered?: boolean;
  out?: string;
  force?: boolean;
  json?: boolean;
}

interface CardVerifyOptions {
  trust?: string[];
  key?: string[];
  jwks?: string[];
  strictSignatures?: boolean;
  hosts?: string[];
  trustDidWebHost?: boolean;
  minSigners?: number;
  requireSigner?: string[];
  allowUnsigned?: boolean;
  requireOwnership?: boolean;
  ownershipIssuer?: string[];
  ownershipCredential?: string;
  ignoreUnsignedFields?: boolean;
  allowHttpLoopback?: boolean;
  timeout: number;
  at?: number;
  json?: boolean;
}

function describeVerdict(verdict: AgentCardVerdict & { url?: string }): string {
  const name = isRecord(verdict.card) && typeof verdict.card.name === 'string' ? verdict.card.name : '(unnamed)';
  return [
    `verified agent card "${name}"${verdict.url !== undefined ? ` from ${verdict.url}` : ''}`,
    `host:      ${verdict.host ?? '(none)'}${verdict.hosts.length > 1 ? ` (all: ${verdict.hosts.join(', ')})` : ''}`,
    ...verdict.signers.map(
      (s) =>
        `signed by: ${s.did ?? (s.jwks !== undefined ? `JWKS ${s.jwks}` : `pinned key ${s.thumbprint}`)} (${s.alg}, key ${s.keyId}), trusted by ${s.rule}; canonical reading: ${s.readings.join(' = ')}${s.jku !== undefined ? `; jku ${s.jku}` : ''}`,
    ),
    ...verdict.otherSignatures.map((o) => `not counted: signature ${o.number}${o.kid !== undefined ? ` (${o.kid})` : ''}: ${o.status === 'untrusted' ? 'no rule trusts its signer' : `${o.code} (${o.check})`}`),
    ...(verdict.ownership !== undefined
      ? [`ownership: agent ${verdict.ownership.agent} operated by ${verdict.ownership.issuer}${verdict.ownership.onBehalfOf !== undefined ? ` on behalf of ${verdict.ownership.onBehalfOf}` : ''}`]
      : []),
    ...(verdict.unsignedFields.length > 0 ? [`not covered by any signature (ignored): ${verdict.unsignedFields.join(', ')}`] : []),
  ].join('\n');
}

/** Adds `card sign` and `card verify` to the `card` group. */
export function registerCardCommands(card: Command, ctx: CliContext): void {
  withJson(
    card
      .command('sign')
      .description('add a signature (JWS over the canonical card, A2A section 8.4) to an agent card')
      .argument('<card>', 'the card JSON file, or - for standard input')
      .option('--key <file>', `the signer's private JWK file (required, or $${KEY_FILE_ENV})`)
      .addOption(parsedOption('--kid <didurl>', "the key's DID URL, e.g. did:web:acme.example#key-1 (default: the key's did:key URL)", didUrl))
      .option('--ownership-credential <jwt>', 'attach an ownership credential (agent-id vc issue) before signing: the JWT, @FILE or -')
      .option('--allow-uncovered', 'sign even if some card content would not be covered by the signature')
      .option('--out <file>', 'write the signed card to a file instead of standard output')
      .option('--force', 'replace an existing --out file'),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id card sign card.json --key acme.jwk --kid did:web:acme.example#key-1 > card.signed.json')
    .action(async (path: string, opts: CardSignOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        // The card goes to @agent-id/a2a-cards as text: parsing it is part of its judgement.
        const unsigned = await readInput(ctx, path, { what: 'agent card', source: '<card>', maxBytes: MAX_JSON_BYTES });
        const keyPair = await loadKeyFile(keyFilePath(ctx, opts.key, '--key', KEY_FILE_ENV), '--key');
        const keyId = opts.kid ?? createAgentIdentity({ keyPair }).keyId;
        const withCredential =
          opts.ownershipCredential !== undefined
            ? attachOwnershipCredential(unsigned, await readTokenArg(ctx, opts.ownershipCredential, { source: '--ownership-credential', what: 'ownership credential' }))
            : unsigned;
        const signed = signAgentCard(withCredential, { keyId, keyPair }, { allowUncoveredContent: opts.allowUncovered === true });
        const text = `${JSON.stringify(signed, null, 2)}\n`;
        if (opts.out !== undefined) await writeOutputFile(opts.out, text, { overwrite: opts.force === true, option: '--out', what: 'signed card file' });
        const data = { ok: true, kid: keyId, signatures: signed.signatures?.length ?? 0, ...(opts.out !== undefined ? { file: opts.out } : {}), card: signed };
        out.message(`signed agent card with ${keyId}`);
        out.result(opts.out !== undefined ? `wrote ${opts.out}` : text, data);
      });
    });

  withJson(
    card
      .command('verify')
      .description("verify an agent card's signatures and apply your trust policy")
      .argument('<source>', 'https:// URL (/.well-known/agent-card.json is added for a bare host), a card file, or -')
      .addOption(listOption('--trust <did>', 'signer DIDs you trust (repeatable; this or --trust-did-web-host is required); a did:web signer for its own host only, unless --hosts', did))
      .addOption(listOption('--key <file>', "a signer's public JWK file, with its kid: signatures whose kid is that kid use it (repeatable)", asGiven))
      .addOption(listOption('--jwks <url>', "a signer's JWKS URL (https): signatures' kids are looked up there; a card's jku is used only if it is this URL (repeatable)", asGiven))
      .addOption(listOption('--hosts <pattern>', 'hosts the --trust, --key and --jwks signers may sign for: host[:port], *.suffix or * (repeatable; default: a did:web or a JWKS its own host, a key none)', asGiven))
      .option('--trust-did-web-host', "also trust any did:web signer whose host is the card's every interface host")
      .addOption(parsedOption('--min-signers <n>', 'independent trusted signers needed (default 1; signers trusted for their host count once per host)', count))
      .addOption(listOption('--require-signer <did>', 'DIDs that must each have signed (repeatable)', did))
      .option('--allow-unsigned', 'accept a card without signatures')
      .option('--strict-signatures', 'refuse a card if any signature on it fails, not only the trusted ones')
      .option('--require-ownership', 'require an ownership credential linking the agent to a trusted issuer')
      .addOption(listOption('--ownership-issuer <did>', 'issuers accepted for the ownership credential (default: the trusted signers)', did))
      .option('--ownership-credential <jwt>', "the agent's ownership credential, if not carried by the card: JWT, @FILE or -")
      .option('--ignore-unsigned-fields', 'tolerate card content no signature covers (reported, never trusted)')
      .option('--allow-http-loopback', 'plain HTTP for 127.0.0.1/localhost card URLs, did:web documents and --jwks URLs')
      .addOption(parsedOption('--timeout <duration>', 'network timeout', duration).default(5000, '5s'))
      .addOption(parsedOption('--at <time>', 'evaluate the ownership credential as of this ISO 8601 time', time)),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ agent-id card verify https://agents.globex.example --trust did:web:agents.globex.example\n  $ agent-id card verify card.signed.json --trust did:key:z6Mk… --hosts agents.acme.example\n  $ agent-id card verify card.signed.json --key globex-public.jwk --hosts agents.globex.example\n  $ agent-id card verify https://agents.globex.example --jwks https://agents.globex.example/.well-known/jwks.json',
    )
    .action(async (source: string, opts: CardVerifyOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const trust = opts.trust ?? [];
        const keys = opts.key ?? [];
        const jwks = opts.jwks ?? [];
        if (trust.length + keys.length + jwks.length === 0 && opts.trustDidWebHost !== true && opts.allowUnsigned !== true) {
          throw new UsageError('say whom you trust: --trust DID, --key FILE.jwk or --jwks URL (each repeatable), or --trust-did-web-host', { code: 'missing_option', check: '--trust' });
        }
        const timeoutMs = opts.timeout;
        const hosts = opts.hosts !== undefined ? { hosts: opts.hosts } : {};
        const signers: TrustedSigner[] = [...trust.map((did) => ({ did, ...hosts })), ...jwks.map((url) => ({ jwks: url, ...hosts }))];
        for (const file of keys) signers.push({ jwk: await readPublicJwkFile(file, '--key'), ...hosts });
        const policy: TrustPolicy = {
          signers,
          ...(opts.strictSignatures === true ? { strictSignatures: true } : {}),
          ...(opts.trustDidWebHost === true ? { trustDidWebHost: true } : {}),
          ...(opts.minSigners !== undefined ? { minTrustedSigners: opts.minSigners } : {}),
          ...(opts.requireSigner !== undefined ? { requiredSigners: opts.requireSigner } : {}),
          ...(opts.allowUnsigned === true ? { requireSignature: false } : {}),
          ...(opts.ignoreUnsignedFields === true ? { unsignedFields: 'ignore' as const } : {}),
        };
        if (opts.requireOwnership === true || opts.ownershipCredential !== undefined || opts.ownershipIssuer !== undefined) {
          policy.ownership = {
            ...(opts.ownershipIssuer !== undefined ? { trustedIssuers: opts.ownershipIssuer } : {}),
            ...(opts.ownershipCredential !== undefined ? { credential: await readTokenArg(ctx, opts.ownershipCredential, { source: '--ownership-credential', what: 'ownership credential' }) } : {}),
            ...(opts.at !== undefined ? { clock: fixedClock(opts.at) } : {}),
          };
        }
        const resolver = createDidResolver({ allowHttpLoopback: opts.allowHttpLoopback === true, timeoutMs, cacheTtlMs: 0 });
        const defined = defineTrustPolicy(policy);
        const jwksCache = createJwksCache({ allowHttpLoopback: opts.allowHttpLoopback === true, timeoutMs, cacheTtlMs: 0 });
        let verdict: AgentCardVerdict & { url?: string };
        if (/^https?:\/\//i.test(source)) {
          verdict = await fetchAndVerify(source, resolver, defined, { timeoutMs, allowHttpLoopback: opts.allowHttpLoopback === true, jwksCache });
        } else {
          const text = await readInput(ctx, source, { what: 'agent card', source: '<source>', maxBytes: MAX_JSON_BYTES });
          verdict = await verifyAgentCard(text, resolver, defined, { jwksCache });
        }
        out.result(() => describeVerdict(verdict), { ok: true, ...verdict });
      });
    });
}
