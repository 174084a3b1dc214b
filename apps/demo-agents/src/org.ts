import { randomBytes } from 'node:crypto';
import { type Capability, type Clock, KeyPair } from '@agent-id/core';
import { type MacaroonRootSecret, type TokenFormat, type TrustedRootKey, mintCapability } from '@agent-id/tokens';
import { HttpGuard } from '@agent-id/http';
import { type AgentCard as JsonAgentCard, attachOwnershipCredential, signAgentCard } from '@agent-id/a2a-cards';
import { agentCardHandler } from '@agent-id/a2a-cards/node';
import { type AgentIdentity, type DidDocument, type DidResolver, type StatusList, type StatusListResolver, createAgentIdentity, issueOwnershipCredential } from '@agent-id/did';
import { didDocumentHandler, statusListHandler } from '@agent-id/did/node';
import { AgentCard } from '@a2a-js/sdk';
import { A2AGuard, withAgentIdSecurity } from '@agent-id/a2a';
import { resourceMetadataHandler } from '@agent-id/a2a/node';
import express, { type Express } from 'express';
import { type CardVerifier, DemoAgent } from './agent.js';
import { type LoopbackServer, listenLoopback } from './lib/http.js';
import { toolCallMapper, toolServerRouter } from './lib/tool-server.js';
import { openRevocationList, statusListsFor } from './status.js';
import { type OrgStores, openOrgStores } from './stores.js';
import type { Trace } from './trace.js';

export interface OrgOptions {
  /** Short name: `acme`, `globex`. */
  name: string;
  /** Human name for provider fields, e.g. `Acme Corp`. */
  displayName: string;
  outDir: string;
  clock: Clock;
  trace: Trace;
  resolver: DidResolver;
  /** `postgres://…`: revocations and audit in PostgreSQL (see stores.ts); default files in `outDir`. */
  store?: string;
}

/** What an agent's card advertises. */
export interface AgentSpec {
  name: string;
  description: string;
  skill: { id: string; name: string; description: string };
  /** An impostor's card: claims this organisation as its provider (the card is still served and signed by its own). */
  impersonates?: Org;
}

/**
 * One organisation (trust domain): its own HTTP server on 127.0.0.1 serving its did:web
 * documents (the authority, its tool service, its users), its agents' signed A2A cards and
 * endpoints, and its guarded tool server; its authority key and Macaroon root secret, its
 * revocation store and its hash-chained audit log.
 */
export class Org {
  readonly name: string;
  readonly displayName: string;
  readonly app: Express;
  readonly server: LoopbackServer;
  readonly authority: AgentIdentity;
  readonly tools: AgentIdentity;
  readonly macaroonSecret: MacaroonRootSecret;
  readonly stores: OrgStores;
  readonly revocations: OrgStores['revocations'];
  readonly audit: OrgStores['audit'];
  /** The A2A side's records: each agent's guard (callers, delegations accepted or refused) and what each agent handed over. */
  readonly a2aAudit: OrgStores['a2aAudit'];
  /** Where the tool server's audit log is kept (a file, or a PostgreSQL schema and log). */
  readonly auditPath: string;
  /** The organisation's revocation status list: every ownership credential it issues has an entry in it. */
  statusList!: StatusList;
  /** How this organisation's verifiers (tool server, A2A guards, card verifier) read status lists. */
  statusLists!: StatusListResolver;
  /** Each agent's ownership credential as issued, by agent name. */
  readonly credentials = new Map<string, string>();
  readonly agents = new Map<string, DemoAgent>();
  readonly cards = new Map<string, JsonAgentCard>();
  readonly #documents: DidDocument[] = [];
  readonly #o: OrgOptions;
  #serveDid: ReturnType<typeof didDocumentHandler> = () => false;
  #serveStatus: ReturnType<typeof statusListHandler> = () => false;
  #guard: HttpGuard | undefined;

  private constructor(o: OrgOptions, app: Express, server: LoopbackServer, stores: OrgStores, toolsKey: KeyPair) {
    this.#o = o;
    this.name = o.name;
    this.displayName = o.displayName;
    this.app = app;
    this.server = server;
    this.stores = stores;
    this.revocations = stores.revocations;
    this.audit = stores.audit;
    this.a2aAudit = stores.a2aAudit;
    this.auditPath = stores.auditWhere;
    const domain = server.host;
    this.authority = createAgentIdentity({ method: 'web', domain, allowHttpLoopback: true });
    this.tools = createAgentIdentity({ method: 'web', domain, path: ['services', 'tools'], keyPair: toolsKey, allowHttpLoopback: true });
    this.macaroonSecret = { id: `${o.name}-root-1`, secret: new Uint8Array(randomBytes(32)), issuer: this.authority.did };
    this.publish(this.authority, `${o.name} (authority)`);
    this.publish(this.tools, `${o.name}/tools`);
    app.use((req, res, next) => {
      if (!this.#serveStatus(req, res) && !this.#serveDid(req, res)) next();
    });
  }

  static async start(options: OrgOptions): Promise<Org> {
    const app = express();
    app.disable('x-powered-by');
    const server = await listenLoopback(app);
    const toolsKey = KeyPair.generate('Ed25519');
    // A store that cannot be opened (a wrong --store URL) must not leave the server listening.
    const stores = await openOrgStores({ store: options.store, org: options.name, outDir: options.outDir, toolsKey, clock: options.clock }).catch(async (error: unknown) => {
      await server.close();
      throw error;
    });
    const org = new Org(options, app, server, stores, toolsKey);
    org.statusList = await openRevocationList(org.authority, server.origin, options.name, options.outDir, options.clock);
    org.statusLists = statusListsFor(options.resolver, options.clock);
    org.#serveStatus = statusListHandler([org.statusList]);
    options.trace.nameOrigin(server.origin, options.name);
    options.trace.emit('setup', `${options.displayName} is up at ${server.origin}; authority ${org.authority.did}`, { actor: options.name });
    return org;
  }

  get origin(): string {
    return this.server.origin;
  }

  /** Serves a did:web identity's document from this organisation's server. */
  publish(identity: AgentIdentity, displayName: string): void {
    if (!identity.document) throw new TypeError('only did:web identities have a document to publish');
    this.#documents.push(identity.document);
    this.#serveDid = didDocumentHandler(this.#documents);
    this.#o.trace.name(identity.did, displayName);
  }

  /** A user of this organisation, with a did:web of its own (`/users/<name>/did.json`). */
  user(name: string): AgentIdentity {
    const user = createAgentIdentity({ method: 'web', domain: this.server.host, path: ['users', name], allowHttpLoopback: true });
    this.publish(user, `${this.name}/users/${name}`);
    return user;
  }

  cardUrl(agentName: string): string {
    return `${this.origin}/agents/${agentName}/.well-known/agent-card.json`;
  }

  /**
   * Creates an agent: a did:key identity, an ownership credential from this organisation, a
   * card carrying that credential signed by the agent and by the organisation, and the A2A
   * server mounted at `/agents/<name>`.
   */
  async addAgent(spec: AgentSpec, verifyCard: CardVerifier, tokenIssuers: readonly string[], callersOwnedBy: readonly string[]): Promise<DemoAgent> {
    const a2aAudit = this.a2aAudit;
    const o = this.#o;
    const identity = createAgentIdentity();
    const credential = await issueOwnershipCredential(this.authority, {
      agent: identity.did,
      agentName: spec.name,
      agentVersion: '1.0.0',
      ttlMs: 86_400_000,
      clock: o.clock,
      status: [this.statusList],
    });
    this.credentials.set(spec.name, credential);
    const base = `${this.origin}/agents/${spec.name}`;
    const provider = spec.impersonates ?? this;
    const trustedRoots = await Promise.all(
      tokenIssuers.map(async (issuer) => {
        const doc = await o.resolver.resolve(issuer);
        const ref = doc.assertionMethod?.[0];
        const id = typeof ref === 'string' ? ref : ref!.id;
        return { issuer, publicKey: (await o.resolver.resolveKey(id.startsWith('#') ? `${issuer}${id}` : id, 'assertionMethod')).publicKey };
      }),
    );
    const guard = new A2AGuard({
      agent: identity.did,
      endpoint: `${base}/a2a`,
      resolver: o.resolver,
      trustedIssuers: callersOwnedBy,
      trustedRoots,
      unverifiedFormats: ['macaroon'],
      revocations: this.revocations,
      statusLists: this.statusLists,
      audit: a2aAudit,
      clock: o.clock,
    });
    const card: JsonAgentCard = withAgentIdSecurity({
      name: `${provider.displayName} ${spec.name}`,
      description: spec.description,
      supportedInterfaces: [{ url: `${base}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      provider: { organization: provider.displayName, url: provider.origin },
      version: '1.0.0',
      capabilities: { streaming: false, pushNotifications: false },
      defaultInputModes: ['application/json'],
      defaultOutputModes: ['application/json'],
      skills: [{ ...spec.skill, tags: ['agent-id-demo'] }],
    }, guard.security());
    const signed = signAgentCard(signAgentCard(attachOwnershipCredential(card, credential), identity), this.authority);
    const agent = new DemoAgent({ name: `${this.name}/${spec.name}`, identity, credential, resolver: o.resolver, verifyCard, tokenIssuers, clock: o.clock, trace: o.trace, audit: a2aAudit });
    const serveCard = agentCardHandler(signed, { maxAgeSec: 0 });
    const router = express.Router();
    router.use((req, res, next) => {
      if (!serveCard(req, res)) next();
    });
    router.use(agent.router(AgentCard.fromJSON(signed), guard));
    this.app.use(resourceMetadataHandler(guard));
    this.app.use(`/agents/${spec.name}`, router);
    this.agents.set(spec.name, agent);
    this.cards.set(spec.name, signed);
    const claim = spec.impersonates ? ` (its card claims to be "${card.name}" of ${provider.displayName})` : '';
    o.trace.emit('setup', `agent ${spec.name} = ${identity.did.slice(0, 24)}…${claim}; ownership credential by ${this.name}; card signed by the agent and ${this.name}`, {
      actor: this.name,
    });
    return agent;
  }

  /**
   * Starts the guarded tool server at `/services/tools`: its resource identifier (the
   * audience tokens name) is its URL, its RFC 9728 metadata is served, and every call is
   * checked in one request by an {@link HttpGuard}.
   */
  startTools(trust: { trustedIssuers: readonly string[]; trustedRoots: readonly TrustedRootKey[]; acceptMacaroons: boolean; trustNote: string }): string {
    const guard = new HttpGuard({
      resource: this.toolsUrl,
      map: toolCallMapper,
      resolver: this.#o.resolver,
      trustedIssuers: trust.trustedIssuers,
      trustedRoots: trust.trustedRoots,
      rootSecrets: trust.acceptMacaroons ? [this.macaroonSecret] : [],
      revocations: this.revocations,
      statusLists: this.statusLists,
      audit: this.audit,
      clock: this.#o.clock,
      resourceName: `${this.displayName} tools`,
      // A roomier Datalog time budget than the 20 ms default: CI machines run several suites at once.
      limits: { maxDatalogMicros: 200_000 },
    });
    this.#guard = guard;
    this.#o.trace.name(this.toolsUrl, `${this.name}/tools`);
    this.app.get(new URL(guard.metadataUrl).pathname, (_req, res) => {
      res.json(guard.metadata());
    });
    this.app.use(
      '/services/tools',
      toolServerRouter(guard, (d) => ({ tool: `${this.name}-tools`, resource: d.resource, action: d.action, output: `${d.action} ${d.resource}: ok` })),
    );
    this.#o.trace.emit('setup', `tool server ${this.toolsUrl} (${this.tools.did}) trusts ${trust.trustNote}`, { actor: this.name });
    return this.toolsUrl;
  }

  get toolsUrl(): string {
    return `${this.origin}/services/tools`;
  }

  get guard(): HttpGuard | undefined {
    return this.#guard;
  }

  /** The authority mints a capability for a user and task, to an agent. */
  async mint(capability: Capability, format: TokenFormat): Promise<string> {
    const token =
      format === 'biscuit'
        ? await mintCapability(capability, { format: 'biscuit', rootKey: this.authority.keyPair, issuer: this.authority.did })
        : await mintCapability(capability, { format: 'macaroon', rootSecret: this.macaroonSecret, issuer: this.authority.did });
    return token.serialize();
  }

  /** Stops the server and closes the audit log and revocation store. */
  async stop(): Promise<void> {
    await this.server.close();
    await this.audit.close();
    await this.a2aAudit.close();
    await this.revocations.close();
  }
}
