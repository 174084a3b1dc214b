import type { AuditEntry } from '@agent-id/core';
import type { DidResolver } from '@agent-id/did';
import { AccessTokenKeys, TokenService, agentPolicyTable, consentTable } from '@agent-id/oauth';
import { tokenServiceNodeHandler } from '@agent-id/oauth/node';
import express from 'express';
import { type JWTPayload, createRemoteJWKSet, jwtVerify } from 'jose';
import { AGENTS_APP, type IdentityProvider, startIdentityProvider } from './identity-provider.js';
import { type LoopbackServer, listenLoopback } from './lib/http.js';
import type { Org } from './org.js';
import type { Trace } from './trace.js';

/** OAuth scope names the token service knows, and the capability authority each stands for. */
export const OAUTH_SCOPES = {
  'orders.read': { resources: ['api:/orders/*'], actions: ['read'] },
  'orders.refund': { resources: ['api:/orders/*'], actions: ['refund'] },
  'invoices.read': { resources: ['api:/invoices/*'], actions: ['read'] },
};

/** The orders an OAuth-only API answers with. */
const ORDERS: Readonly<Record<string, ReadonlyArray<{ id: string; total: string }>>> = {
  'c-42': [
    { id: 'o-1001', total: '4,500.00 EUR' },
    { id: 'o-1002', total: '10,800.00 EUR' },
  ],
};

/** What the OAuth-only API answers: the data, and what it read from the access token (it knows nothing else). */
export interface OAuthApiAnswer {
  customer: string;
  orders: ReadonlyArray<{ id: string; total: string }>;
  token: { sub: string; client_id: string; scope: string; act: unknown; aud: string };
}

/** An organisation's OAuth side: its OpenID Provider, its RFC 8693 token service and the OAuth-only APIs it issues access tokens for. */
export interface OAuthSide {
  idp: IdentityProvider;
  service: TokenService;
  /** Resource identifier of the orders API (OAuth only): `GET /orders/<customer>` needs `orders.read`, `POST …/refund` needs `orders.refund`. */
  ordersApi: string;
  /** Resource identifier of a second OAuth-only API (invoices), which the demo's capabilities do not name. */
  invoicesApi: string;
  /** Runs `operation` and returns how it settled, with the token service's audit entries written meanwhile. */
  recording<T>(operation: () => Promise<T>): Promise<{ settled: PromiseSettledResult<T>; entries: AuditEntry[] }>;
  close(): Promise<void>;
}

export interface OAuthSideOptions {
  org: Org;
  /** Organisations whose ownership credentials vouch for agents at the token service. */
  vouchers: readonly Org[];
  /** The agent a user's login may be exchanged for, with the scopes policy allows it. */
  agent: { did: string; scopes: string[] };
  /** The users: login name, password at the provider, the DID their capabilities act for, and what they consented to for the agent. */
  users: ReadonlyArray<{ login: string; password: string; did: string; consented: string[] }>;
  resolver: DidResolver;
  trace: Trace;
}

/**
 * Starts `org`'s OAuth side on 127.0.0.1, each on its own server: its OpenID Provider
 * (`oidc-provider`), its token service (`@agent-id/oauth`: root key = the organisation's
 * authority key, so every verifier that trusts the organisation's Biscuits trusts what it
 * mints; records into the organisation's hash-chained audit log), and an OAuth-only orders
 * API that verifies access tokens with jose and the token service's JWKS alone. They run on
 * the system clock, as the provider does and as the agents attenuate: the demo's injected
 * clock moves only the verifiers' view of time.
 */
export async function startOAuthSide(o: OAuthSideOptions): Promise<OAuthSide> {
  const { org, trace } = o;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const idp = await startIdentityProvider(new Map(o.users.map((u) => [u.login, u.password])), (notice) =>
      trace.emit('setup', `oidc-provider says: "${notice}" (the demo runs it anyway)`, { actor: `${org.name}/login` }),
    );
    closers.push(() => idp.close());
    trace.nameOrigin(idp.issuer, org.name);
    trace.name(idp.issuer, `${org.name}/login`);

    let collect: ((entry: AuditEntry) => void) | undefined;
    let handle: ReturnType<typeof tokenServiceNodeHandler> | undefined;
    const tokenServer: LoopbackServer = await listenLoopback((req, res) => {
      if (handle === undefined) res.writeHead(503).end();
      else void handle(req, res);
    });
    closers.push(() => tokenServer.close());
    const apis = express();
    apis.disable('x-powered-by');
    const apiServer = await listenLoopback(apis);
    closers.push(() => apiServer.close());
    const ordersApi = `${apiServer.origin}/orders-api`;
    const invoicesApi = `${apiServer.origin}/invoices-api`;
    const users = new Map(o.users.map((u) => [u.login, u]));
    const service = new TokenService({
      issuer: tokenServer.origin,
      organisation: org.authority.did,
      rootKey: org.authority.keyPair,
      identityProviders: [{ issuer: idp.issuer, audience: AGENTS_APP }],
      scopes: OAUTH_SCOPES,
      agentPolicy: agentPolicyTable({ [o.agent.did]: { scopes: o.agent.scopes, audience: [ordersApi], maxLifetimeSec: 900, maxDepth: 2 } }, { operators: [org.authority.did] }),
      consents: consentTable(o.users.map((u) => ({ issuer: idp.issuer, subject: u.login, agent: o.agent.did, scopes: u.consented }))),
      // The organisation's directory: a login at its provider is the user whose DID the capabilities name.
      principalOf: ({ subject }) => users.get(subject)?.did ?? `${idp.issuer}#${subject}`,
      apis: { [ordersApi]: { scopes: ['orders.read', 'orders.refund'] }, [invoicesApi]: { scopes: ['invoices.read'] } },
      accessTokenKeys: await AccessTokenKeys.generate(),
      resolver: o.resolver,
      trustedIssuers: o.vouchers.map((v) => v.authority.did),
      statusLists: org.statusLists,
      revocations: org.revocations,
      audit: {
        async append(record) {
          const entry = await org.audit.append(record);
          collect?.(entry);
          return entry;
        },
      },
    });
    handle = tokenServiceNodeHandler(service);
    trace.nameOrigin(tokenServer.origin, org.name);
    trace.name(service.issuer, `${org.name}/token-service`);
    trace.nameOrigin(apiServer.origin, org.name);
    trace.name(ordersApi, `${org.name}/orders-oauth-api`);
    trace.name(invoicesApi, `${org.name}/invoices-oauth-api`);

    // The OAuth-only API: jose and the published JWKS, nothing of this toolkit.
    const jwks = createRemoteJWKSet(new URL(service.jwksUri));
    const guarded = (scope: string, answer: (customer: string, claims: JWTPayload) => unknown): express.RequestHandler => async (req, res) => {
      const [scheme, token] = (req.headers.authorization ?? '').split(' ');
      if (scheme !== 'Bearer' || token === undefined) {
        res.status(401).set('www-authenticate', 'Bearer').json({ error: 'invalid_token', error_description: 'no bearer token' });
        return;
      }
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, jwks, { issuer: service.issuer, audience: ordersApi, typ: 'at+jwt' }));
      } catch (error) {
        res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token', error_description: (error as Error).message.slice(0, 200) });
        return;
      }
      if (!String(claims.scope ?? '').split(' ').includes(scope)) {
        res.status(403).set('www-authenticate', `Bearer error="insufficient_scope", scope="${scope}"`).json({ error: 'insufficient_scope', error_description: `this needs scope ${scope}` });
        return;
      }
      res.json(answer(String(req.params.customer), claims));
    };
    const seen = (claims: JWTPayload): OAuthApiAnswer['token'] => ({ sub: String(claims.sub), client_id: String(claims.client_id), scope: String(claims.scope), act: claims.act, aud: String(claims.aud) });
    apis.get('/orders-api/orders/:customer', guarded('orders.read', (customer, claims): OAuthApiAnswer => ({ customer, orders: ORDERS[customer] ?? [], token: seen(claims) })));
    apis.post('/orders-api/orders/:customer/refund', guarded('orders.refund', (customer, claims) => ({ customer, refunded: true, token: seen(claims) })));

    trace.emit('setup', `OpenID Provider ${idp.issuer} (oidc-provider: its own login and consent pages, RS256 ID tokens, client ${AGENTS_APP})`, { actor: org.name });
    trace.emit(
      'setup',
      `token service ${service.issuer} (RFC 8693, RFC 8414 metadata, JWKS): mints with ${org.name}'s root key, takes ID tokens of ${org.name}/login, agents vouched for by ${o.vouchers.map((v) => v.name).join(' or ')}; audits into ${org.name}'s log`,
      { actor: org.name },
    );
    trace.emit('setup', `OAuth-only APIs ${ordersApi} and ${invoicesApi}: RFC 9068 access tokens checked with jose and the token service's JWKS, nothing else`, { actor: org.name });
    const recording = async <T>(operation: () => Promise<T>): Promise<{ settled: PromiseSettledResult<T>; entries: AuditEntry[] }> => {
      const entries: AuditEntry[] = [];
      collect = (entry) => entries.push(entry);
      try {
        const [settled] = await Promise.allSettled([operation()]);
        return { settled: settled!, entries };
      } finally {
        collect = undefined;
      }
    };
    return { idp, service, ordersApi, invoicesApi, recording, close };
  } catch (error) {
    await close();
    throw error;
  }
}
