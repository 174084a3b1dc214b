import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditEntry, type Clock, type ErrorCode, KeyPair, type Scope, verifyAuditLog } from '@agent-id/core';
import { type TokenFormat, authorize, mintCapability } from '@agent-id/tokens';
import { type TrustPolicy, fetchAndVerify } from '@agent-id/a2a-cards';
import { createAgentIdentity, createDidResolver } from '@agent-id/did';
import { AgentCard } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import type { CardVerifier, DemoAgent, VerifiedCard } from './agent.js';
import { dataMessage, dataOf, isMessage } from './lib/a2a-capability.js';
import { Org } from './org.js';
import { Trace, type TraceEvent } from './trace.js';
import type { CallReport, DelegationOrder, DelegationReport, WorkOrder, WorkReport } from './work.js';

/** The outcome kinds a step can have. */
export type Outcome = 'allow' | 'deny' | 'delegated' | 'refused';

/** One visible step: what was expected, what happened, and why. */
export interface StepResult {
  id: string;
  title: string;
  /** The issue requirement it demonstrates. */
  shows: string;
  expected: Outcome;
  expectedCode?: ErrorCode;
  actual: Outcome | 'missing';
  actualCode?: ErrorCode;
  ok: boolean;
  reason: string;
  /** Display name of the agent that acted. */
  actor: string;
  /** DID of the agent that acted (or delegated). */
  agentDid?: string;
  format?: TokenFormat;
  /** Tool calls: the service that decided. */
  verifier?: string;
  /** Tool calls: delegation chain as display names, authority first. */
  chain?: string[];
  /** Delegations: the delegate and the scope granted. */
  delegate?: string;
  granted?: Scope;
}

export interface AuditLogSummary {
  org: string;
  path: string;
  /** Whether the hash chain verified (verifyAuditLog). */
  chainVerified: boolean;
  error?: string;
  entries: AuditEntry[];
}

export interface ScenarioResult {
  ok: boolean;
  steps: StepResult[];
  audit: AuditLogSummary[];
  trace: TraceEvent[];
  durationMs: number;
  outDir: string;
  /** DIDs of the principals, for assertions. */
  principals: { user: string; acme: string; globex: string; agents: Record<string, string>; services: Record<string, string> };
  /** Curl-able URLs (meaningful while the servers run). */
  urls: Record<string, string>;
}

export interface ScenarioOptions {
  /** Where audit logs and revocation stores go. Default: a fresh temp directory. */
  outDir?: string;
  /** Gets every trace event as it happens. */
  onTrace?: (event: TraceEvent) => void;
  /** Leave the servers running; call the returned `stop` to end them. */
  keepRunning?: boolean;
}

interface Expectation {
  title: string;
  shows: string;
  expected: Outcome;
  code?: ErrorCode;
}

const HOUR = 3600;

/**
 * Runs the whole scenario: two organisations on their own HTTP servers, agents speaking
 * A2A, a user task delegated across both, every refusal the issue asks for, revocation,
 * and the audit logs verified at the end.
 */
export async function runScenario(options: ScenarioOptions = {}): Promise<ScenarioResult & { stop: () => Promise<void> }> {
  const started = Date.now();
  const outDir = options.outDir ?? (await mkdtemp(join(tmpdir(), 'agent-id-demo-')));
  const trace = new Trace();
  if (options.onTrace) trace.onEvent(options.onTrace);
  // Real time plus an offset the scenario can move forward: expiry is shown without sleeping,
  // and time keeps flowing for --serve.
  let skewMs = 0;
  const clock: Clock = () => Date.now() + skewMs;
  const resolver = createDidResolver({ allowHttpLoopback: true, clock });
  const common = { outDir, clock, trace, resolver };
  const orgs: Org[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= Promise.all(orgs.map((o) => o.stop())).then(() => undefined);
    return stopped;
  };

  try {
    trace.emit('section', 'Setup: two trust domains on 127.0.0.1, DIDs over did:web, signed agent cards');
    const acme = await Org.start({ ...common, name: 'acme', displayName: 'Acme' });
    orgs.push(acme);
    const globex = await Org.start({ ...common, name: 'globex', displayName: 'Globex' });
    orgs.push(globex);
    const mallory = await Org.start({ ...common, name: 'mallory', displayName: 'Mallory (impostor)' });
    orgs.push(mallory);
    const alice = acme.user('alice');

    // Trust policies for verifying cards: each org trusts its own signature, Acme also Globex's,
    // each signer only for its own host; the card must carry an ownership credential from a
    // trusted org, which names the agent's DID.
    const verifier = (policy: TrustPolicy): CardVerifier => {
      return async (url: string): Promise<VerifiedCard> => {
        const verdict = await fetchAndVerify(url, resolver, policy, { allowHttpLoopback: true, timeoutMs: 3_000 });
        const agentDid = verdict.ownership?.agent;
        if (!agentDid) throw new Error('card verified without an ownership credential');
        const signer = verdict.signers.find((s) => s.did.startsWith('did:web:')) ?? verdict.signers[0]!;
        return {
          card: AgentCard.fromJSON(verdict.card),
          agentDid,
          signer: signer.did,
          why: `trusted by rule "${signer.rule}" for host ${verdict.host ?? '?'}; ownership credential from ${trace.who(verdict.ownership?.issuer)}`,
        };
      };
    };
    const acmePolicy: TrustPolicy = {
      signers: [
        { did: acme.authority.did, label: 'acme: own organisation' },
        { did: globex.authority.did, label: 'globex: partner organisation' },
      ],
      ownership: { trustedIssuers: [acme.authority.did, globex.authority.did], clock },
    };
    const globexPolicy: TrustPolicy = {
      signers: [{ did: globex.authority.did, label: 'globex: own organisation' }],
      ownership: { trustedIssuers: [globex.authority.did], clock },
    };
    const verifyForAcme = verifier(acmePolicy);
    const verifyForGlobex = verifier(globexPolicy);

    const orchestrator = await acme.addAgent(
      { name: 'orchestrator', description: 'Plans a user task and delegates parts of it', skill: { id: 'plan', name: 'Plan a task', description: 'Splits a task and delegates' } },
      verifyForAcme,
      [acme.authority.did],
    );
    const researcher = await acme.addAgent(
      { name: 'researcher', description: 'Reads customer records', skill: { id: 'research', name: 'Research', description: 'Reads CRM records' } },
      verifyForAcme,
      [acme.authority.did],
    );
    const analyst = await globex.addAgent(
      { name: 'analyst', description: 'Prices widgets for partners', skill: { id: 'price', name: 'Price', description: 'Reads inventory and quotes' } },
      verifyForGlobex,
      [acme.authority.did],
    );
    const quoter = await globex.addAgent(
      { name: 'quoter', description: 'Issues quotes', skill: { id: 'quote', name: 'Quote', description: 'Quotes one item' } },
      verifyForGlobex,
      [acme.authority.did],
    );
    // An impostor that claims to be Globex's analyst, signed by a key Acme does not trust.
    await mallory.addAgent(
      { name: 'analyst', description: 'Prices widgets for partners', skill: { id: 'price', name: 'Price', description: 'Reads inventory and quotes' } },
      verifyForAcme,
      [acme.authority.did],
    );
    // …and a copy of Globex's genuine signed card with its endpoint moved to Mallory's server.
    const tampered = structuredClone(globex.cards.get('analyst')!);
    tampered.supportedInterfaces = [{ url: `${mallory.origin}/agents/analyst/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }];
    mallory.app.get('/tampered/.well-known/agent-card.json', (_req, res) => {
      res.json(tampered);
    });

    // Tool servers: Acme's accepts Acme-minted Biscuits and Macaroons (shared root secret);
    // Globex's accepts Biscuits minted by its partner Acme, whose root key it takes from
    // Acme's did:web document, so no secret crosses the domain boundary.
    const acmeRoot = (await resolver.resolveKey(acme.authority.keyId, 'assertionMethod')).publicKey;
    const acmeTools = acme.startTools({
      trustedIssuers: [acme.authority.did],
      rootPublicKeys: [{ issuer: acme.authority.did, publicKey: acme.authority.keyPair.publicKey }],
      acceptMacaroons: true,
      trustNote: 'Acme-minted Biscuits and Macaroons, agents owned by Acme',
    });
    const globexTools = globex.startTools({
      trustedIssuers: [globex.authority.did],
      // Each key is bound to the organisation it speaks for: Globex's key cannot mint 'Acme' tokens.
      rootPublicKeys: [
        { issuer: acme.authority.did, publicKey: acmeRoot },
        { issuer: globex.authority.did, publicKey: globex.authority.keyPair.publicKey },
      ],
      acceptMacaroons: false,
      trustNote: "Biscuits minted by Acme (root key resolved from Acme's did:web) or Globex, agents owned by Globex",
    });

    await warmUpBiscuit();
    trace.emit('setup', 'Biscuit WebAssembly runtime warmed up (one throwaway mint + authorize), so the first real check is not timed against a cold module');

    const task = 'task-q3-widget-pricing';
    const now = Math.floor(clock() / 1000);
    const taskScope: Scope = {
      resources: ['crm:/customers/*', 'reports:/q3/*', 'inventory:/widgets/*'],
      actions: ['read', 'write', 'quote'],
      audience: [acme.tools.did, globex.tools.did],
      expiresAt: now + HOUR,
      maxDepth: 2,
    };
    const capability = { ...taskScope, holder: orchestrator.did, onBehalfOf: alice.did, task };
    orchestrator.hold(task, 'biscuit', await acme.mint(capability, 'biscuit'));
    orchestrator.hold(task, 'macaroon', await acme.mint(capability, 'macaroon'));
    trace.emit(
      'setup',
      `minted for ${trace.who(alice.did)}, task ${task}, to ${orchestrator.name}: read+write+quote on crm, reports, widgets; audience both tool servers; depth 2; 1 h — as a Biscuit and as a Macaroon`,
      { actor: 'acme (authority)' },
    );

    // The user's side: alice's client verifies the orchestrator's card, then talks A2A.
    const userClients = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory()] }));
    const orchestratorCard = await verifyForAcme(acme.cardUrl('orchestrator'));
    trace.emit('card', `verified ${orchestratorCard.card.name}'s card (${trace.who(orchestratorCard.agentDid)}): signed by ${trace.who(orchestratorCard.signer)}`, { actor: `${trace.who(alice.did)}'s client` });
    const toOrchestrator = await userClients.createFromAgentCard(orchestratorCard.card);
    const ask = async (what: string, order: WorkOrder): Promise<WorkReport> => {
      trace.emit('a2a', `→ ${orchestrator.name} (A2A SendMessage): ${what}`, { actor: trace.who(alice.did) });
      const result = await toOrchestrator.sendMessage({ tenant: '', message: dataMessage('user', order), configuration: undefined, metadata: undefined });
      const reply = isMessage(result) ? dataOf(result) : undefined;
      if (typeof reply !== 'object' || reply === null) throw new Error('orchestrator sent no work report');
      return reply as WorkReport;
    };

    const expectations = new Map<string, Expectation>();
    const expect = (id: string, e: Expectation) => {
      expectations.set(id, e);
      return id;
    };
    const reports: WorkReport[] = [];
    const call = (step: string, service: string, resource: string, action: string, format?: TokenFormat) => ({ step, service, resource, action, ...(format ? { format } : {}) });
    const held = (step: string, cardUrl: string, order: WorkOrder): DelegationOrder => ({ step, cardUrl, handoff: 'held', order });

    // ── 1. The happy path: a narrowed, successful call at every hop ──────────────────
    trace.emit('section', '1. Alice asks the orchestrator; every hop gets a narrower token and uses it');
    reports.push(
      await ask('"price widgets for customer c-42 and draft the Q3 report"', {
        task,
        calls: [call(expect('orchestrator-call', { title: 'orchestrator reads the customer record with its own (root) token', shows: 'successful call at hop 0', expected: 'allow' }), acmeTools, 'crm:/customers/c-42', 'read', 'biscuit')],
        delegations: [
          {
            step: expect('delegate-researcher', { title: 'orchestrator → acme/researcher: read-only CRM, Macaroon, depth 0', shows: 'offline attenuation (Macaroon)', expected: 'delegated' }),
            cardUrl: acme.cardUrl('researcher'),
            handoff: 'new',
            format: 'macaroon',
            narrowing: { resources: ['crm:/customers/*'], actions: ['read'], audience: [acme.tools.did], maxDepth: 0 },
            order: { task, calls: [call(expect('researcher-call', { title: 'researcher reads a customer record (Macaroon, 2-hop chain)', shows: 'successful narrowed call, hop 1 (Acme)', expected: 'allow' }), acmeTools, 'crm:/customers/c-42', 'read')] },
          },
          {
            step: expect('delegate-analyst', { title: "orchestrator verifies Globex's signed card → globex/analyst: widgets read+quote, Biscuit, depth 1", shows: 'cross-org delegation after card verification (Biscuit)', expected: 'delegated' }),
            cardUrl: globex.cardUrl('analyst'),
            handoff: 'new',
            format: 'biscuit',
            narrowing: { resources: ['inventory:/widgets/*'], actions: ['read', 'quote'], audience: [globex.tools.did], maxDepth: 1 },
            order: {
              task,
              calls: [call(expect('analyst-call', { title: 'globex/analyst reads widget stock at Globex (Biscuit, 2-hop chain)', shows: 'successful narrowed call, hop 2 (cross-org)', expected: 'allow' }), globexTools, 'inventory:/widgets/w-7', 'read')],
              delegations: [
                {
                  step: expect('delegate-quoter', { title: 'globex/analyst → globex/quoter: quote widget w-7 only, depth 0', shows: 'third hop, signed by the analyst', expected: 'delegated' }),
                  cardUrl: globex.cardUrl('quoter'),
                  handoff: 'new',
                  narrowing: { resources: ['inventory:/widgets/w-7'], actions: ['quote'], maxDepth: 0 },
                  order: { task, calls: [call(expect('quoter-call', { title: 'globex/quoter quotes widget w-7 (Biscuit, 3-hop chain)', shows: 'successful narrowed call, hop 3', expected: 'allow' }), globexTools, 'inventory:/widgets/w-7', 'quote')] },
                },
              ],
            },
          },
        ],
      }),
    );

    // ── 2. Trying more than was given ────────────────────────────────────────────────
    trace.emit('section', '2. Sub-agents try to use more than they were given');
    reports.push(
      await ask('"also update the Q3 report, and quote the gadgets too"', {
        task,
        delegations: [
          held('researcher-continue-1', acme.cardUrl('researcher'), {
            task,
            calls: [call(expect('researcher-overreach', { title: 'researcher (read-only CRM) tries to write the Q3 report', shows: 'sub-agent over-reach refused', expected: 'deny', code: 'denied' }), acmeTools, 'reports:/q3/summary', 'write')],
          }),
          held('analyst-continue-1', globex.cardUrl('analyst'), {
            task,
            delegations: [
              {
                step: expect('analyst-widens', { title: 'analyst tries to give the quoter "write" (it only holds read+quote)', shows: 'widening refused at attenuation, offline', expected: 'refused', code: 'scope_widened' }),
                cardUrl: globex.cardUrl('quoter'),
                handoff: 'new',
                narrowing: { resources: ['inventory:/widgets/*'], actions: ['quote', 'write'], maxDepth: 0 },
                order: { task },
              },
              held('quoter-continue-1', globex.cardUrl('quoter'), {
                task,
                calls: [call(expect('quoter-overreach', { title: 'quoter (w-7 only) tries to quote gadget g-1', shows: 'sub-agent over-reach refused', expected: 'deny', code: 'denied' }), globexTools, 'inventory:/gadgets/g-1', 'quote')],
              }),
            ],
          }),
        ],
      }),
    );

    // ── 3. Forged and untrusted agent cards ──────────────────────────────────────────
    trace.emit('section', '3. Forged or untrusted agent cards are refused before any token leaves');
    reports.push(
      await ask('"use the cheaper Globex pricing agent at this other address"', {
        task,
        delegations: [
          {
            step: expect('card-untrusted', { title: "impostor card (\"Globex analyst\" signed by Mallory's DID)", shows: 'untrusted agent card refused', expected: 'refused', code: 'untrusted_signer' }),
            cardUrl: mallory.cardUrl('analyst'),
            handoff: 'new',
            format: 'biscuit',
            narrowing: { resources: ['inventory:/widgets/*'], actions: ['read'], audience: [globex.tools.did], maxDepth: 0 },
            order: { task },
          },
          {
            step: expect('card-tampered', { title: "Globex's genuine card, endpoint moved to Mallory's server", shows: 'forged agent card refused', expected: 'refused', code: 'invalid_signature' }),
            cardUrl: `${mallory.origin}/tampered/.well-known/agent-card.json`,
            handoff: 'new',
            format: 'biscuit',
            narrowing: { resources: ['inventory:/widgets/*'], actions: ['read'], audience: [globex.tools.did], maxDepth: 0 },
            order: { task },
          },
        ],
      }),
    );

    // ── 4. Expiry: a short-lived hop, then the (injected) clock moves on ─────────────
    trace.emit('section', '4. A short-lived token expires');
    reports.push(
      await ask('"give the researcher 30 seconds to read the Q3 draft"', {
        task,
        delegations: [
          {
            step: expect('delegate-short-lived', { title: 'orchestrator → researcher: read Q3 reports, Biscuit, valid 30 s', shows: 'short-lived hop', expected: 'delegated' }),
            cardUrl: acme.cardUrl('researcher'),
            handoff: 'new',
            format: 'biscuit',
            ttlSeconds: 30,
            narrowing: { resources: ['reports:/q3/*'], actions: ['read'], audience: [acme.tools.did], maxDepth: 0 },
            order: { task, calls: [call(expect('short-lived-call', { title: 'researcher reads the Q3 draft within 30 s', shows: 'short-lived token works while valid', expected: 'allow' }), acmeTools, 'reports:/q3/draft', 'read', 'biscuit')] },
          },
        ],
      }),
    );
    skewMs += 60_000;
    trace.emit('clock', 'the injected clock moves 60 s forward (no sleeping)');
    reports.push(
      await ask('"read the Q3 draft again"', {
        task,
        delegations: [
          held('researcher-continue-2', acme.cardUrl('researcher'), {
            task,
            calls: [call(expect('expired-call', { title: 'researcher uses the 30-second token 60 s later', shows: 'expired token refused', expected: 'deny', code: 'expired' }), acmeTools, 'reports:/q3/draft', 'read', 'biscuit')],
          }),
        ],
      }),
    );

    // ── 5. Revocation mid-run ────────────────────────────────────────────────────────
    trace.emit('section', "5. Acme revokes the researcher's branch mid-run; the Globex branch keeps working");
    const researcherHop = findDelegation(reports[0]!, 'delegate-researcher');
    if (!researcherHop?.revocationId) throw new Error('the researcher delegation reported no revocation id');
    await acme.revocations.revoke({ kind: 'token', id: researcherHop.revocationId }, { reason: 'alice cancelled the research part', at: clock() });
    trace.emit('revoke', `revoked the hop orchestrator → researcher (Macaroon hop id ${researcherHop.revocationId.slice(0, 12)}…) in Acme's revocation store`, { actor: 'acme (authority)' });
    reports.push(
      await ask('"carry on"', {
        task,
        delegations: [
          held('researcher-continue-3', acme.cardUrl('researcher'), {
            task,
            calls: [call(expect('revoked-call', { title: 'researcher reads a customer record after its hop was revoked', shows: 'revoked branch stops at once', expected: 'deny', code: 'revoked' }), acmeTools, 'crm:/customers/c-42', 'read', 'macaroon')],
          }),
          held('analyst-continue-2', globex.cardUrl('analyst'), {
            task,
            calls: [call(expect('analyst-after-revoke', { title: 'analyst reads widget stock after the revocation', shows: 'other branch keeps working', expected: 'allow' }), globexTools, 'inventory:/widgets/w-7', 'read')],
            delegations: [
              held('quoter-continue-2', globex.cardUrl('quoter'), {
                task,
                calls: [call(expect('quoter-after-revoke', { title: 'quoter quotes widget w-7 after the revocation', shows: 'other branch keeps working (3 hops)', expected: 'allow' }), globexTools, 'inventory:/widgets/w-7', 'quote')],
              }),
            ],
          }),
        ],
      }),
    );

    // ── Results and audit ───────────────────────────────────────────────────────────
    const steps = collectSteps(reports, expectations, trace, orchestrator);
    trace.emit('section', 'Audit: each domain verifies its hash-chained log');
    // Every append was awaited (and flushed) before its decision returned, so the files are
    // complete; the logs stay open for --serve and are closed by stop().
    const audit: AuditLogSummary[] = [];
    for (const org of [acme, globex]) {
      try {
        const entries = await verifyAuditLog(org.auditPath);
        audit.push({ org: org.name, path: org.auditPath, chainVerified: true, entries });
        const allowed = entries.filter((e) => e.record.decision === 'allow').length;
        trace.emit('audit', `${org.auditPath}: ${entries.length} records (${allowed} allow, ${entries.length - allowed} deny), hash chain verified`, { actor: org.name });
      } catch (error) {
        audit.push({ org: org.name, path: org.auditPath, chainVerified: false, error: String(error), entries: [] });
        trace.emit('deny', `${org.auditPath}: hash chain FAILED: ${String(error)}`, { actor: org.name });
      }
    }
    const ok = steps.every((s) => s.ok) && audit.every((a) => a.chainVerified);
    const urls: Record<string, string> = {
      'acme DID document': `${acme.origin}/.well-known/did.json`,
      'globex DID document': `${globex.origin}/.well-known/did.json`,
      'alice DID document': `${acme.origin}/users/alice/did.json`,
      'acme/orchestrator card': acme.cardUrl('orchestrator'),
      'acme/orchestrator A2A (JSON-RPC)': `${acme.origin}/agents/orchestrator/a2a`,
      'acme/researcher card': acme.cardUrl('researcher'),
      'globex/analyst card': globex.cardUrl('analyst'),
      'globex/quoter card': globex.cardUrl('quoter'),
      'mallory impostor card': mallory.cardUrl('analyst'),
      'acme tools': acmeTools,
      'acme tools challenge (POST)': `${acmeTools}/challenge`,
      'globex tools challenge (POST)': `${globexTools}/challenge`,
    };
    const result: ScenarioResult = {
      ok,
      steps,
      audit,
      trace: trace.events,
      durationMs: Date.now() - started,
      outDir,
      principals: {
        user: alice.did,
        acme: acme.authority.did,
        globex: globex.authority.did,
        agents: { orchestrator: orchestrator.did, researcher: researcher.did, analyst: analyst.did, quoter: quoter.did },
        services: { acme: acme.tools.did, globex: globex.tools.did },
      },
      urls,
    };
    if (!options.keepRunning) await stop();
    return { ...result, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/**
 * The first Biscuit evaluation in a process runs on a cold WebAssembly module and can
 * exceed the authorizer's time limit; one throwaway round warms it.
 */
async function warmUpBiscuit(): Promise<void> {
  const root = KeyPair.generate();
  const holder = createAgentIdentity();
  const now = Math.floor(Date.now() / 1000);
  const token = await mintCapability(
    { resources: ['warm:/up'], actions: ['read'], audience: ['did:web:warm.example'], expiresAt: now + 60, maxDepth: 0, holder: holder.did, onBehalfOf: 'did:web:warm.example', task: 'warm-up' },
    { format: 'biscuit', rootKey: root },
  );
  for (let i = 0; i < 3; i++) {
    await authorize(token, {
      request: { resource: 'warm:/up', action: 'read', audience: 'did:web:warm.example', task: 'warm-up' },
      presenter: holder.did,
      rootPublicKey: root.publicKey,
      limits: { max_time_micro: 1_000_000 },
    });
  }
}

function findDelegation(report: WorkReport, step: string): DelegationReport | undefined {
  for (const d of report.delegations) {
    if (d.step === step) return d;
    const inner = d.report ? findDelegation(d.report, step) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

function collectSteps(reports: WorkReport[], expectations: Map<string, Expectation>, trace: Trace, orchestrator: DemoAgent): StepResult[] {
  const seen = new Map<string, StepResult>();
  const visit = (report: WorkReport, actorDid: string) => {
    for (const c of report.calls) seen.set(c.step, fromCall(c, expectations.get(c.step), trace, actorDid));
    for (const d of report.delegations) {
      const e = expectations.get(d.step);
      if (e) seen.set(d.step, fromDelegation(d, e, trace, actorDid));
      if (d.report) visit(d.report, d.report.agent);
    }
  };
  for (const r of reports) visit(r, orchestrator.did);
  const steps: StepResult[] = [];
  for (const [id, e] of expectations) {
    steps.push(
      seen.get(id) ?? { id, title: e.title, shows: e.shows, expected: e.expected, ...(e.code ? { expectedCode: e.code } : {}), actual: 'missing', ok: false, reason: 'step did not run', actor: '?' },
    );
  }
  return steps;
}

function judge(e: Expectation | undefined, actual: Outcome, code: ErrorCode | undefined): boolean {
  if (!e) return false;
  return e.expected === actual && (e.code === undefined || e.code === code);
}

function fromCall(c: CallReport, e: Expectation | undefined, trace: Trace, actorDid: string): StepResult {
  const d = c.decision;
  const step: StepResult = {
    id: c.step,
    title: e?.title ?? c.step,
    shows: e?.shows ?? '',
    expected: e?.expected ?? 'allow',
    actual: d.decision,
    ok: judge(e, d.decision, d.code),
    reason: d.reason,
    actor: trace.who(d.agent ?? actorDid),
    agentDid: d.agent ?? actorDid,
    verifier: trace.who(d.verifier),
    chain: d.chain && d.chain.length > 0 ? [trace.who(d.chain[0]!.from), ...d.chain.map((h) => trace.who(h.to))] : [],
  };
  if (e?.code) step.expectedCode = e.code;
  if (d.code) step.actualCode = d.code;
  if (c.format) step.format = c.format;
  return step;
}

function fromDelegation(d: DelegationReport, e: Expectation, trace: Trace, actorDid: string): StepResult {
  const step: StepResult = {
    id: d.step,
    title: e.title,
    shows: e.shows,
    expected: e.expected,
    actual: d.outcome,
    ok: judge(e, d.outcome, d.code),
    reason: d.check ? `${d.check}: ${d.reason}` : d.reason,
    actor: trace.who(actorDid),
    agentDid: actorDid,
  };
  if (e.code) step.expectedCode = e.code;
  if (d.code) step.actualCode = d.code;
  if (d.format) step.format = d.format;
  if (d.delegate) step.delegate = trace.who(d.delegate);
  if (d.granted) step.granted = d.granted;
  return step;
}
