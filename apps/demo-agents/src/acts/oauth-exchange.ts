import type { AuditEntry, ErrorCode } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import type { AgentIdentity } from '@agent-id/did';
import { createProof } from '@agent-id/http';
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from '@agent-id/oauth';
import { CapabilityToken, inspectToken } from '@agent-id/tokens';
import { decodeJwt } from 'jose';
import type { ToolDecision } from '../lib/tool-client.js';
import { type OAuthApiAnswer, type OAuthSide, startOAuthSide } from '../oauth-service.js';
import type { Stage } from '../setup.js';
import type { Steps } from '../steps.js';
import { describeScope } from '../trace.js';
import type { CallReport } from '../work.js';
import { handOff } from './orders.js';

/** Alice's fourth task: its authority comes from her login, not from a token Acme's authority minted by hand. */
const TASK = 'task-c42-oauth';
const CUSTOMER = 'c-42';
const ALICE = { login: 'alice', password: 'correct horse battery staple' };
/** The analyst's hop: no further delegation, and short. An OAuth scope covers every order, so the hop keeps the resource whole: a per-customer hop would cover no scope of the API. */
const HOP_TTL_SECONDS = 600;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** The `act` claim as display names, current actor first: `globex/analyst ← acme/orchestrator`. */
function actors(act: unknown, who: (did: string) => string): string {
  const names: string[] = [];
  for (let a = act; isRecord(a) && typeof a.sub === 'string' && names.length < 8; a = a.act) names.push(who(a.sub));
  return names.join(' ← ');
}

/**
 * Act 8: the token service (`@agent-id/oauth`) bridges OAuth both ways. Alice signs in at
 * Acme's OpenID Provider (`oidc-provider`, its real login and consent pages); the
 * orchestrator exchanges her ID token, with a proof by its DID key and its ownership
 * credential, for its root capability, bounded by what she consented to (asking for more
 * is refused `invalid_scope`). It delegates a narrower hop to Globex's analyst over A2A; the
 * analyst exchanges that hop for an RFC 9068 access token to Acme's OAuth-only orders API
 * (an API the hop does not name is refused `invalid_target`) and calls it: the API, with
 * jose and the token service's JWKS alone, sees Alice, the analyst and the `act` chain, and
 * refuses a refund the token's scope does not carry.
 */
export async function bridgeOAuth(stage: Stage, steps: Steps): Promise<void> {
  const { orgs, trace, agents } = stage;
  const acme = orgs.acme;
  const orchestrator = agents['acme/orchestrator'];
  const analyst = agents['globex/analyst'];
  trace.emit('section', "8. Alice signs in at Acme's OpenID Provider; the token service turns her login into a capability, and a narrowed hop into an OAuth access token");
  const login = steps.expect('oidc-login', { title: "alice signs in at Acme's OpenID Provider (oidc-provider)", shows: 'a real OIDC login', expected: 'allow' });
  const overConsent = steps.expect('exchange-over-consent', {
    title: 'orchestrator exchanges her ID token for orders.read and orders.refund',
    shows: 'consent bounds the capability',
    expected: 'deny',
    code: 'scope_widened',
    check: 'consent',
  });
  const rootFromLogin = steps.expect('exchange-login', { title: 'orchestrator exchanges her ID token for orders.read (RFC 8693)', shows: 'user login → root capability', expected: 'allow' });
  const toAnalyst = steps.expect('delegate-oauth', { title: 'orchestrator → globex/analyst: read orders, Biscuit, depth 0, 10 minutes', shows: 'a login-rooted capability narrows', expected: 'delegated' });
  const accessToken = steps.expect('exchange-access', { title: 'globex/analyst exchanges its hop for an access token to the orders API', shows: 'capability → RFC 9068 access token', expected: 'allow' });
  const otherApi = steps.expect('exchange-other-api', {
    title: 'globex/analyst asks for an access token to the invoices API',
    shows: 'only the APIs the capability names',
    expected: 'deny',
    code: 'wrong_audience',
  });
  const apiCall = steps.expect('oauth-api-call', { title: `globex/analyst reads ${CUSTOMER}'s orders at the OAuth-only API`, shows: 'an OAuth-only API accepts it (jose)', expected: 'allow' });
  const apiRefund = steps.expect('oauth-api-refund', { title: 'globex/analyst asks the OAuth-only API for a refund', shows: 'the access token carries no wider scope', expected: 'deny', code: 'denied' });

  const oauth: OAuthSide = await startOAuthSide({
    org: acme,
    vouchers: [acme, orgs.globex],
    agent: { did: orchestrator.did, scopes: ['orders.read', 'orders.refund'] },
    users: [{ ...ALICE, did: stage.user.did, consented: ['orders.read'] }],
    resolver: stage.resolver,
    trace,
  });
  stage.onStop(oauth.close);
  const { idp, service } = oauth;
  Object.assign(stage.actUrls, {
    'acme OpenID Provider discovery': `${idp.issuer}/.well-known/openid-configuration`,
    'acme token service metadata': `${new URL(service.issuer).origin}/.well-known/oauth-authorization-server`,
    'acme token service JWKS': service.jwksUri,
  });
  const alice = trace.who(stage.user.did);
  const tokenService = trace.who(service.issuer);
  trace.emit('setup', `Alice's consent on record at the token service: orders.read for ${orchestrator.name}; policy lets ${orchestrator.name} hold orders.read and orders.refund`, { actor: acme.name });

  const record = (agent: string, step: string, service: string, resource: string, action: string, decision: ToolDecision): void => {
    const call: CallReport = { step, service, resource, action, format: 'biscuit', decision };
    steps.record({ agent, task: TASK, calls: [call], delegations: [] });
  };
  const entryNote = (entries: readonly AuditEntry[]): string => (entries.length === 0 ? '' : `, audit record ${entries.at(-1)!.seq + 1}`);

  // A token request as an agent sends it: the form, and a DPoP proof by its DID key over the subject token.
  const exchange = async (by: { agent: Pick<AgentIdentity, 'keyId' | 'keyPair'>; credential: string }, subjectToken: string, subjectType: string, params: Record<string, string>) => {
    const dpop = createProof(by.agent, { method: 'POST', url: service.tokenEndpoint, token: subjectToken });
    const form = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subjectToken, subject_token_type: subjectType, actor_token: by.credential, actor_token_type: TOKEN_TYPES.ownershipCredential, ...params });
    const { settled, entries } = await oauth.recording(async (): Promise<Answer> => {
      const response = await fetch(service.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', dpop }, body: form.toString() });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    });
    const answer: Answer = settled.status === 'fulfilled' ? settled.value : { status: 0, body: { error: 'unreachable', code: 'unreachable', check: 'fetch', error_description: 'the token service did not answer' } };
    const entry = entries.at(-1);
    const body = answer.body;
    const decision: ToolDecision =
      answer.status === 200
        ? { decision: 'allow', reason: entry?.record.reason ?? 'exchanged', verifier: service.issuer, status: 200 }
        : { decision: 'deny', code: String(body.code) as ErrorCode, check: String(body.check), reason: `${String(body.check)}: ${String(body.error_description ?? '')}`, verifier: service.issuer, status: answer.status };
    if (entry) Object.assign(decision, { agent: entry.record.agent, onBehalfOf: entry.record.onBehalfOf, chain: entry.record.chain, auditSeq: entry.seq });
    const refusal = answer.status === 200 ? '' : `REFUSED by ${tokenService}${entryNote(entries)}: ${answer.status} ${String(body.error)}, ${String(body.code)} (${String(body.check)}: ${String(body.error_description ?? '')})`;
    return { answer, decision, entries, refusal };
  };

  // 1. Alice signs in; the agents' app receives her ID token.
  let idToken: string | undefined;
  let loginError = '';
  try {
    idToken = await idp.logIn(ALICE.login, ALICE.password);
  } catch (error) {
    loginError = error instanceof Error ? error.message : String(error);
  }
  const claims = idToken === undefined ? undefined : decodeJwt(idToken);
  record(stage.user.did, login, idp.issuer, 'openid', 'login', {
    decision: idToken ? 'allow' : 'deny',
    reason: idToken ? 'ID token issued' : loginError,
    verifier: idp.issuer,
    agent: stage.user.did,
    onBehalfOf: stage.user.did,
    ...(idToken ? {} : { code: 'denied' as const }),
  });
  trace.emit(
    idToken ? 'allow' : 'deny',
    idToken
      ? `signs in through its login and consent pages (a browser's requests, PKCE) → the agents' app redeems the code for her ID token: RS256, iss ${trace.who(idp.issuer)}, aud ${String(claims?.aud)}, sub ${String(claims?.sub)}, valid ${Math.round((Number(claims?.exp) - Number(claims?.iat)) / 60)} min`
      : `sign-in FAILED: ${loginError}`,
    { actor: alice, to: trace.who(idp.issuer), step: login },
  );
  if (idToken === undefined) return;

  // 2. The orchestrator asks for more than she consented to, then for what she did.
  const orchestratorActor = orchestrator.actor();
  const wide = await exchange(orchestratorActor, idToken, TOKEN_TYPES.idToken, { scope: 'orders.read orders.refund', requested_token_type: TOKEN_TYPES.biscuit, task: TASK });
  record(orchestrator.did, overConsent, service.issuer, 'scope:orders.read orders.refund', 'exchange', wide.decision);
  trace.emit(wide.decision.decision === 'allow' ? 'allow' : 'deny', `exchanges Alice's ID token (RFC 8693; DPoP proof by its DID key, its ownership credential as actor_token) for orders.read and orders.refund → ${wide.refusal || 'ALLOWED (unexpected)'}`, {
    actor: orchestrator.name,
    to: tokenService,
    step: overConsent,
  });
  const root = await exchange(orchestratorActor, idToken, TOKEN_TYPES.idToken, { scope: 'orders.read', requested_token_type: TOKEN_TYPES.biscuit, task: TASK });
  record(orchestrator.did, rootFromLogin, service.issuer, 'scope:orders.read', 'exchange', root.decision);
  if (root.answer.status !== 200) {
    trace.emit('deny', `exchanges Alice's ID token for orders.read → ${root.refusal}`, { actor: orchestrator.name, to: tokenService, step: rootFromLogin });
    return;
  }
  const capability = String(root.answer.body.access_token);
  const acmeRoot = (await stage.resolver.resolveKey(acme.authority.keyId, 'assertionMethod')).publicKey;
  const minted = (await inspectToken(CapabilityToken.parse(capability), { trustedRoots: acmeRoot })).chain[0]!;
  trace.emit(
    'allow',
    `exchanges Alice's ID token for orders.read → ALLOWED by ${tokenService}${entryNote(root.entries)}: a Biscuit held by ${orchestrator.name}, signed with ${trace.who(minted.from)}'s root key, for ${trace.who(root.decision.onBehalfOf)}: ${describeScope(minted.granted)}, audience ${minted.granted.audience.map((a) => trace.who(a)).join(', ')}, valid ${Number(root.answer.body.expires_in)} s (her consent ∩ policy; never past her login)`,
    { actor: orchestrator.name, to: tokenService, step: rootFromLogin },
  );
  orchestrator.hold(TASK, 'biscuit', capability);

  // 3. A narrower hop to Globex's analyst, over A2A, as in the earlier acts.
  steps.record(
    await stage.ask(`"have Globex's analyst check ${CUSTOMER}'s orders in Acme's orders API, with what I allowed when I signed in"`, {
      task: TASK,
      delegations: [handOff(stage, toAnalyst, 'globex/analyst', { format: 'biscuit', narrowing: { maxDepth: 0 }, ttlSeconds: HOP_TTL_SECONDS, order: { task: TASK } })],
    }),
  );
  const held = analyst.presentation(TASK, 'biscuit');
  if (!held) return;

  // 4. The analyst exchanges its hop for an access token to the orders API; the invoices API it does not name.
  const access = await exchange(held, held.token, TOKEN_TYPES.biscuit, { resource: oauth.ordersApi });
  record(analyst.did, accessToken, service.issuer, oauth.ordersApi, 'exchange', access.decision);
  if (access.answer.status !== 200) {
    trace.emit('deny', `exchanges its biscuit hop for an access token to ${trace.who(oauth.ordersApi)} → ${access.refusal}`, { actor: analyst.name, to: tokenService, step: accessToken });
    return;
  }
  const at = String(access.answer.body.access_token);
  const atClaims = decodeJwt(at);
  trace.emit(
    'allow',
    `exchanges its biscuit hop (DPoP proof, Globex's credential) for an access token to ${trace.who(oauth.ordersApi)} → ALLOWED by ${tokenService}${entryNote(access.entries)}: at+jwt, sub ${trace.who(String(atClaims.sub))}, client_id ${trace.who(String(atClaims.client_id))}, act ${actors(atClaims.act, (d) => trace.who(d))}, scope ${String(atClaims.scope)}, cnf.jkt of its key, valid ${Number(access.answer.body.expires_in)} s`,
    { actor: analyst.name, to: tokenService, step: accessToken },
  );
  const other = await exchange(held, held.token, TOKEN_TYPES.biscuit, { resource: oauth.invoicesApi });
  record(analyst.did, otherApi, service.issuer, oauth.invoicesApi, 'exchange', other.decision);
  trace.emit(other.decision.decision === 'allow' ? 'allow' : 'deny', `asks for an access token to ${trace.who(oauth.invoicesApi)}, which its hop does not name → ${other.refusal || 'ALLOWED (unexpected)'}`, {
    actor: analyst.name,
    to: tokenService,
    step: otherApi,
  });

  // 5. The OAuth-only API, with jose and the JWKS alone.
  const call = async (step: string, method: 'GET' | 'POST', path: string, action: string) => {
    const url = `${oauth.ordersApi}${path}`;
    let status = 0;
    let body: Record<string, unknown> = {};
    try {
      const response = await fetch(url, { method, headers: { authorization: `Bearer ${at}` } });
      status = response.status;
      body = (await response.json()) as Record<string, unknown>;
    } catch {
      body = { error: 'unreachable', error_description: 'the API did not answer' };
    }
    const decision: ToolDecision =
      status === 200
        ? { decision: 'allow', reason: 'access token verified', verifier: oauth.ordersApi, status, agent: String(atClaims.client_id), onBehalfOf: String(atClaims.sub) }
        : { decision: 'deny', code: (body.error === 'insufficient_scope' ? 'denied' : 'wrong_audience') as ErrorCode, check: String(body.error), reason: `${String(body.error)}: ${String(body.error_description ?? '')}`, verifier: oauth.ordersApi, status };
    record(analyst.did, step, oauth.ordersApi, `api:${path}`, action, decision);
    return { status, body, decision };
  };
  const read = await call(apiCall, 'GET', `/orders/${CUSTOMER}`, 'read');
  const seen = read.body as unknown as Partial<OAuthApiAnswer>;
  trace.emit(
    read.status === 200 ? 'allow' : 'deny',
    read.status === 200
      ? `GET /orders/${CUSTOMER} with the access token (Bearer) → ALLOWED by ${trace.who(oauth.ordersApi)} (jose: signature by the JWKS, iss, aud, exp, typ at+jwt; scope orders.read): ${seen.orders?.length ?? 0} orders; it saw sub ${trace.who(seen.token?.sub)}, client_id ${trace.who(seen.token?.client_id)}, act ${actors(seen.token?.act, (d) => trace.who(d))}`
      : `GET /orders/${CUSTOMER} with the access token → REFUSED by ${trace.who(oauth.ordersApi)}: ${read.status} ${String(read.body.error)}`,
    { actor: analyst.name, to: trace.who(oauth.ordersApi), step: apiCall },
  );
  const refund = await call(apiRefund, 'POST', `/orders/${CUSTOMER}/refund`, 'refund');
  trace.emit(
    refund.status === 200 ? 'allow' : 'deny',
    refund.status === 200 ? `POST /orders/${CUSTOMER}/refund → ALLOWED (unexpected)` : `POST /orders/${CUSTOMER}/refund with the same token → REFUSED by ${trace.who(oauth.ordersApi)}: ${refund.status} ${String(refund.body.error)} (${String(refund.body.error_description)})`,
    { actor: analyst.name, to: trace.who(oauth.ordersApi), step: apiRefund },
  );
}
