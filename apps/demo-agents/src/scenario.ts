import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expireShortLivedToken } from './acts/expiry.js';
import { refuseForgedCards } from './acts/forged-cards.js';
import { callMcpTools } from './acts/mcp-tools.js';
import { narrowAtEveryHop } from './acts/narrowing-chain.js';
import { tryMoreThanGiven } from './acts/overreach.js';
import { decommissionAnAgent } from './acts/decommission.js';
import { bridgeOAuth } from './acts/oauth-exchange.js';
import { revokeOneBranch } from './acts/revocation.js';
import { type AuditLogSummary, verifyAuditLogs } from './audit.js';
import { type Stage, setUpStage } from './setup.js';
import { type StepResult, Steps } from './steps.js';
import { Trace, type TraceEvent } from './trace.js';

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
  /** `postgres://…`: every organisation's revocations and audit in PostgreSQL (a schema each); default files in `outDir`. */
  store?: string;
  /** Gets every trace event as it happens. */
  onTrace?: (event: TraceEvent) => void;
  /** Leave the servers running; call the returned `stop` to end them. */
  keepRunning?: boolean;
}

/** The scenario's acts, in order: each emits its section, sends its work orders and registers its steps. */
const ACTS: ReadonlyArray<(stage: Stage, steps: Steps) => Promise<void>> = [narrowAtEveryHop, tryMoreThanGiven, refuseForgedCards, expireShortLivedToken, revokeOneBranch, callMcpTools, decommissionAnAgent, bridgeOAuth];

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
  const stage = await setUpStage({ outDir, trace, ...(options.store ? { store: options.store } : {}) });
  try {
    const steps = new Steps();
    for (const act of ACTS) await act(stage, steps);
    const results = steps.results(trace);
    const audit = await verifyAuditLogs([stage.orgs.acme, stage.orgs.globex], trace);
    const result: ScenarioResult = {
      ok: results.every((s) => s.ok) && audit.every((a) => a.chainVerified),
      steps: results,
      audit,
      trace: trace.events,
      durationMs: Date.now() - started,
      outDir,
      principals: principalsOf(stage),
      urls: curlableUrls(stage),
    };
    if (!options.keepRunning) await stage.stop();
    return { ...result, stop: stage.stop };
  } catch (error) {
    await stage.stop().catch(() => {});
    throw error;
  }
}

function principalsOf(stage: Stage): ScenarioResult['principals'] {
  const { orgs, agents } = stage;
  return {
    user: stage.user.did,
    acme: orgs.acme.authority.did,
    globex: orgs.globex.authority.did,
    agents: {
      orchestrator: agents['acme/orchestrator'].did,
      researcher: agents['acme/researcher'].did,
      analyst: agents['globex/analyst'].did,
      quoter: agents['globex/quoter'].did,
      ordersMcp: stage.mcp.serverDid,
    },
    services: { acme: orgs.acme.toolsUrl, globex: orgs.globex.toolsUrl, ordersMcp: stage.mcp.url, ordersApi: stage.mcp.apiUrl },
  };
}

function curlableUrls(stage: Stage): Record<string, string> {
  const { orgs, tools } = stage;
  return {
    'acme DID document': `${orgs.acme.origin}/.well-known/did.json`,
    'globex DID document': `${orgs.globex.origin}/.well-known/did.json`,
    'acme status list (revocation)': orgs.acme.statusList.url,
    'alice DID document': `${orgs.acme.origin}/users/alice/did.json`,
    'acme/orchestrator card': stage.cardUrl('acme/orchestrator'),
    'acme/orchestrator A2A (JSON-RPC)': `${orgs.acme.origin}/agents/orchestrator/a2a`,
    'acme/researcher card': stage.cardUrl('acme/researcher'),
    'globex/analyst card': stage.cardUrl('globex/analyst'),
    'globex/quoter card': stage.cardUrl('globex/quoter'),
    'mallory impostor card': stage.forgedCards.impostor,
    'mallory tampered card': stage.forgedCards.tampered,
    'acme tools': tools.acme,
    'acme MCP server (POST)': stage.mcp.url,
    'acme MCP server metadata': stage.mcp.metadataUrl,
    'acme orders API': stage.mcp.apiUrl,
    'acme tools challenge (POST)': `${tools.acme}/challenge`,
    'globex tools challenge (POST)': `${tools.globex}/challenge`,
    ...stage.actUrls,
  };
}
