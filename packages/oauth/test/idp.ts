import { createHash, randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'acme-token-service';
export const OTHER_CLIENT_ID = 'acme-wiki';
/** The token service as a resource server of the provider: access tokens for it are RFC 9068 JWTs. */
export const SERVICE_RESOURCE = 'urn:acme:token-service';
const REDIRECT = 'http://127.0.0.1/callback';
const SECRET = 'a-client-secret-of-at-least-32-chars!!';

export interface Idp {
  issuer: string;
  /** Users' `may_act` claims, read when their ID token is issued. */
  mayAct: Map<string, { sub: string }>;
  close(): Promise<void>;
}

/** A real OpenID Provider (oidc-provider) on 127.0.0.1, with its development login and consent pages. */
export async function startIdp(): Promise<Idp> {
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const mayAct = new Map<string, { sub: string }>();
  const client = (client_id: string, extra: Record<string, unknown> = {}) => ({
    client_id,
    client_secret: SECRET,
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    ...extra,
  });
  const provider = new Provider(issuer, {
    clients: [client(CLIENT_ID), client(OTHER_CLIENT_ID)],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'idp-1' }] },
    claims: { openid: ['sub'], agents: ['may_act'] },
    scopes: ['openid', 'agents'],
    conformIdTokenClaims: false,
    features: {
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'orders.read orders.write', audience: SERVICE_RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 3600, IdToken: 3600 },
    async findAccount(_ctx: unknown, id: string) {
      return { accountId: id, async claims() { const m = mayAct.get(id); return { sub: id, ...(m ? { may_act: m } : {}) }; } };
    },
  });
  handler = provider.callback();
  return {
    issuer,
    mayAct,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class Browser {
  readonly #cookies = new Map<string, string>();
  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size > 0) headers.set('cookie', [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';', 1);
      const eq = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return response;
  }
}

/** Alice logs in at the provider through its real login and consent pages; the client redeems the code. Returns the ID token. */
export async function logIn(idp: Idp, user: string, clientId = CLIENT_ID): Promise<string> {
  return (await logInFor(idp, user, clientId)).idToken;
}

/** The same login, asking also for an access token to `resource` with `scope`: returns both tokens. */
export async function logInFor(idp: Idp, user: string, clientId = CLIENT_ID, resource?: { resource: string; scope: string }): Promise<{ idToken: string; accessToken: string }> {
  const browser = new Browser();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const auth = new URL('/auth', idp.issuer);
  for (const [k, v] of Object.entries({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope: resource ? `openid agents ${resource.scope}` : 'openid agents', state: 's1', nonce: 'n1', code_challenge: challenge, code_challenge_method: 'S256', ...(resource ? { resource: resource.resource } : {}) })) auth.searchParams.set(k, v);
  let url = auth.href;
  for (let step = 0; step < 12; step++) {
    let response = await browser.go(url);
    if (url.includes('/interaction/')) {
      const page = await response.text();
      const prompt = page.includes('value="login"') ? 'login' : 'consent';
      response = await browser.go(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(prompt === 'login' ? { prompt, login: user, password: 'x' } : { prompt }).toString() });
    }
    const location = response.headers.get('location');
    if (location === null) throw new Error(`the provider stopped at ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const next = new URL(location, url);
    if (next.href.startsWith(REDIRECT)) {
      const code = next.searchParams.get('code');
      if (code === null) throw new Error(`no code: ${next.search}`);
      const token = await fetch(new URL('/token', idp.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, client_secret: SECRET, code_verifier: verifier, ...(resource ? { resource: resource.resource } : {}) }).toString(),
      });
      const body = (await token.json()) as { id_token?: string; access_token: string };
      if (body.id_token === undefined) throw new Error(`no id_token: ${JSON.stringify(body)}`);
      return { idToken: body.id_token, accessToken: body.access_token };
    }
    url = next.href;
  }
  throw new Error('the login did not finish');
}
