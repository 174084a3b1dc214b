import type { Clock } from '@agent-id/core';
import { type AgentIdentity, type DidResolver, createDidResolver } from '@agent-id/did';
import type { DemoAgent } from './agent.js';
import { cardTrustPolicy, cardVerifier } from './card-verifier.js';
import { type McpTools, startMcpTools } from './mcp-tools.js';
import { type AgentSpec, Org } from './org.js';
import { type Trace, describeScope } from './trace.js';
import { type AskAgent, connectUser } from './user.js';

export type OrgName = 'acme' | 'globex' | 'mallory';
/** The organisations that run a tool server. */
export type ToolOrgName = 'acme' | 'globex';
/** An agent by organisation and name, as the trace shows it. */
export type AgentName = 'acme/orchestrator' | 'acme/researcher' | 'globex/analyst' | 'globex/quoter' | 'mallory/analyst';

/** The trust domains: each runs its own server and verifies the cards of the organisations it trusts. */
const ORGANISATIONS: ReadonlyArray<{ name: OrgName; displayName: string; trustsCardsOf: readonly OrgName[] }> = [
  { name: 'acme', displayName: 'Acme', trustsCardsOf: ['acme', 'globex'] },
  { name: 'globex', displayName: 'Globex', trustsCardsOf: ['globex'] },
  { name: 'mallory', displayName: 'Mallory (impostor)', trustsCardsOf: ['mallory'] },
];

type AgentRow = Omit<AgentSpec, 'name' | 'impersonates'> & { agent: AgentName; impersonates?: OrgName };
const GLOBEX_ANALYST: AgentRow = {
  agent: 'globex/analyst',
  description: 'Prices widgets for partners',
  skill: { id: 'price', name: 'Price', description: 'Reads inventory and quotes' },
};
/** The agents, each with its signed card on its organisation's server. */
const AGENTS: readonly AgentRow[] = [
  { agent: 'acme/orchestrator', description: 'Plans a user task and delegates parts of it', skill: { id: 'plan', name: 'Plan a task', description: 'Splits a task and delegates' } },
  { agent: 'acme/researcher', description: 'Reads customer records', skill: { id: 'research', name: 'Research', description: 'Reads CRM records' } },
  GLOBEX_ANALYST,
  { agent: 'globex/quoter', description: 'Issues quotes', skill: { id: 'quote', name: 'Quote', description: 'Quotes one item' } },
  // An impostor: Globex's analyst's card content on Mallory's server, signed by Mallory's keys.
  { ...GLOBEX_ANALYST, agent: 'mallory/analyst', impersonates: 'globex' },
];

/**
 * The guarded tool servers and whose tokens they accept. Root keys of Biscuits come from the
 * minting organisation's did:web document, so no secret crosses a domain boundary; Macaroons
 * need the organisation's own root secret, so only its own server takes them.
 */
const TOOL_SERVERS: ReadonlyArray<{ org: ToolOrgName; acceptsBiscuitsMintedBy: readonly OrgName[]; acceptsMacaroons: boolean }> = [
  { org: 'acme', acceptsBiscuitsMintedBy: ['acme'], acceptsMacaroons: true },
  { org: 'globex', acceptsBiscuitsMintedBy: ['acme', 'globex'], acceptsMacaroons: false },
];

/** The MCP tool server (and the orders API it calls): run by Acme, for agents owned by Acme or Globex. */
const MCP_SERVER: { org: ToolOrgName; callersOwnedBy: readonly OrgName[] } = { org: 'acme', callersOwnedBy: ['acme', 'globex'] };

/** The organisation that mints the task's token, for its user; every agent reads its tokens. */
const MINTER: OrgName = 'acme';
const USER = 'alice';
const FIRST_AGENT: AgentName = 'acme/orchestrator';
const TASK = 'task-q3-widget-pricing';
const HOUR = 3600;

/** Everything the acts play with: the running organisations, their agents, the user's client and the clock. */
export interface Stage {
  trace: Trace;
  /** Real time plus an offset the acts can move forward. */
  clock: Clock;
  /** Moves the clock forward: expiry is shown without sleeping, and time keeps flowing for --serve. */
  advanceClock(ms: number): void;
  orgs: Record<OrgName, Org>;
  agents: Record<AgentName, DemoAgent>;
  user: AgentIdentity;
  task: string;
  /** Tool server URLs by organisation. */
  tools: Record<ToolOrgName, string>;
  /** The MCP tool server and the orders API it calls. */
  mcp: McpTools;
  /** Resolves DIDs (did:web over loopback): agents read root keys from their organisations' documents. */
  resolver: DidResolver;
  /** Mallory's forged cards: an impostor's card claiming to be Globex's analyst, and Globex's genuine card with its endpoint moved to Mallory. */
  forgedCards: { impostor: string; tampered: string };
  /** Where an agent's signed card is served. */
  cardUrl(agent: AgentName): string;
  /** The user asks the first agent, over A2A, to carry out a work order. */
  ask: AskAgent;
  /** Stops every server and closes the logs (once). */
  stop(): Promise<void>;
  /** Registers what an act started, to close before the organisations stop. */
  onStop(close: () => Promise<void>): void;
  /** Curl-able URLs of what the acts started (printed by --serve), by name. */
  actUrls: Record<string, string>;
}

/**
 * Starts the organisations on 127.0.0.1, their agents and tool servers, mints the task's
 * token for the first agent, and connects the user's client to it.
 */
export async function setUpStage(options: { outDir: string; trace: Trace; store?: string }): Promise<Stage> {
  const { outDir, trace } = options;
  let skewMs = 0;
  const clock: Clock = () => Date.now() + skewMs;
  const resolver = createDidResolver({ allowHttpLoopback: true, clock });
  const started: Org[] = [];
  let stopped: Promise<void> | undefined;
  const closers: Array<() => Promise<void>> = [];
  const stop = (): Promise<void> => {
    stopped ??= Promise.all(closers.map((close) => close().catch(() => {})))
      .then(() => Promise.all(started.map((o) => o.stop())))
      .then(() => undefined);
    return stopped;
  };

  try {
    trace.emit('section', 'Setup: two trust domains on 127.0.0.1, DIDs over did:web, signed agent cards');
    const orgs = {} as Record<OrgName, Org>;
    for (const row of ORGANISATIONS) {
      orgs[row.name] = await Org.start({ name: row.name, displayName: row.displayName, outDir, clock, trace, resolver, ...(options.store ? { store: options.store } : {}) });
      started.push(orgs[row.name]);
    }
    const verifiers = Object.fromEntries(
      ORGANISATIONS.map((row) => {
        const policy = cardTrustPolicy(orgs[row.name], row.trustsCardsOf.map((name) => orgs[name]), clock);
        return [row.name, cardVerifier(policy, resolver, trace)];
      }),
    ) as Record<OrgName, ReturnType<typeof cardVerifier>>;
    const minter = orgs[MINTER];

    const agents = {} as Record<AgentName, DemoAgent>;
    for (const { agent, impersonates, ...card } of AGENTS) {
      const [org, name] = splitAgentName(agent);
      const spec: AgentSpec = { ...card, name, ...(impersonates ? { impersonates: orgs[impersonates] } : {}) };
      agents[agent] = await orgs[org].addAgent(spec, verifiers[org], [minter.authority.did], [orgs.acme.authority.did, orgs.globex.authority.did]);
    }
    const cardUrl = (agent: AgentName): string => {
      const [org, name] = splitAgentName(agent);
      return orgs[org].cardUrl(name);
    };

    const tools = {} as Record<ToolOrgName, string>;
    for (const row of TOOL_SERVERS) {
      const org = orgs[row.org];
      const minters = row.acceptsBiscuitsMintedBy.map((name) => orgs[name]);
      const trustedRoots = [];
      for (const m of minters) trustedRoots.push({ issuer: m.authority.did, publicKey: (await resolver.resolveKey(m.authority.keyId, 'assertionMethod')).publicKey });
      const macaroons = row.acceptsMacaroons ? ` and Macaroons (${org.displayName}'s root secret)` : '';
      tools[row.org] = org.startTools({
        trustedIssuers: [org.authority.did],
        trustedRoots,
        acceptMacaroons: row.acceptsMacaroons,
        trustNote: `Biscuits minted by ${minters.map((m) => m.displayName).join(' or ')} (${minters.length === 1 ? 'root key from its did:web document' : 'root keys from their did:web documents'})${macaroons}, from agents owned by ${org.displayName}`,
      });
    }

    const mcpHost = orgs[MCP_SERVER.org];
    const mcp = await startMcpTools(mcpHost, {
      clock,
      resolver,
      trace,
      callersOwnedBy: MCP_SERVER.callersOwnedBy.map((name) => orgs[name]),
      trustedRoots: [{ issuer: minter.authority.did, publicKey: (await resolver.resolveKey(minter.authority.keyId, 'assertionMethod')).publicKey }],
      trustNote: `Biscuits minted by ${minter.displayName} (root key from its did:web document), from agents owned by ${MCP_SERVER.callersOwnedBy.map((name) => orgs[name].displayName).join(' or ')}`,
    });

    const user = minter.user(USER);
    const first = agents[FIRST_AGENT];
    const now = Math.floor(clock() / 1000);
    const capability = {
      resources: ['crm:/customers/*', 'reports:/q3/*', 'inventory:/widgets/*'],
      actions: ['read', 'write', 'quote'],
      audience: [orgs.acme.toolsUrl, orgs.globex.toolsUrl],
      expiresAt: now + HOUR,
      maxDepth: 2,
      holder: first.did,
      onBehalfOf: user.did,
      task: TASK,
    };
    first.hold(TASK, 'biscuit', await minter.mint(capability, 'biscuit'));
    first.hold(TASK, 'macaroon', await minter.mint(capability, 'macaroon'));
    trace.emit(
      'setup',
      `minted for ${trace.who(user.did)}, task ${TASK}, to ${first.name}: ${describeScope(capability)}, audience both tool servers, valid 1 h — as a Biscuit and as a Macaroon`,
      { actor: trace.who(minter.authority.did), graph: { type: 'delegate', from: trace.who(minter.authority.did), to: first.name, format: 'biscuit', scope: describeScope(capability) } },
    );
    const ask = await connectUser(user, minter.authority, cardUrl(FIRST_AGENT), verifiers[MINTER], trace, clock);

    return {
      trace,
      clock,
      advanceClock: (ms) => {
        skewMs += ms;
      },
      orgs,
      agents,
      user,
      task: TASK,
      tools,
      mcp,
      resolver,
      forgedCards: { impostor: orgs.mallory.cardUrl('analyst'), tampered: serveTamperedCard(orgs.mallory, orgs.globex, 'analyst') },
      cardUrl,
      ask,
      stop,
      onStop: (close) => {
        closers.push(close);
      },
      actUrls: {},
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

function splitAgentName(agent: AgentName): [OrgName, string] {
  return agent.split('/') as [OrgName, string];
}

/** `forger` serves a copy of `owner`'s genuine signed card with its endpoint moved to the forger's server; returns its URL. */
function serveTamperedCard(forger: Org, owner: Org, agent: string): string {
  const tampered = structuredClone(owner.cards.get(agent)!);
  tampered.supportedInterfaces = [{ url: `${forger.origin}/agents/${agent}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }];
  const path = `/tampered/${agent}/.well-known/agent-card.json`;
  forger.app.get(path, (_req, res) => {
    res.json(tampered);
  });
  return `${forger.origin}${path}`;
}
