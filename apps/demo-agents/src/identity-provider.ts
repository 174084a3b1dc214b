import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import express from 'express';
import { type LoopbackServer, listenLoopback } from './lib/http.js';

/** The client at the provider whose ID tokens the token service takes: the app Alice signs in to her agents with. */
export const AGENTS_APP = 'acme-agents';
const APP_SECRET = randomBytes(24).toString('base64url');
const REDIRECT = 'http://127.0.0.1/agents-app/callback';

/** An organisation's OpenID Provider on its own loopback server. */
export interface IdentityProvider {
  /** Its issuer identifier (and origin). */
  issuer: string;
  /**
   * A user signs in through the provider's login and consent pages, as a browser would, and
   * the agents' app redeems the code (PKCE, client secret): returns the user's ID token.
   */
  logIn(user: string, password: string): Promise<string>;
  close(): Promise<void>;
}

/** A store for the provider's sessions, interactions, codes and grants: a Map, as a one-process demo needs. */
class MemoryAdapter {
  static readonly #rows = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  readonly #name: string;
  constructor(name: string) {
    this.#name = name;
  }
  #key(id: string): string {
    return `${this.#name}:${id}`;
  }
  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
    MemoryAdapter.#rows.set(this.#key(id), { payload, expiresAt: expiresIn === undefined ? Number.POSITIVE_INFINITY : Date.now() + expiresIn * 1000 });
  }
  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const row = MemoryAdapter.#rows.get(this.#key(id));
    if (row === undefined || row.expiresAt <= Date.now()) return undefined;
    return row.payload;
  }
  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    for (const [key, row] of MemoryAdapter.#rows) if (key.startsWith(`${this.#name}:`) && row.payload.uid === uid && row.expiresAt > Date.now()) return row.payload;
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const row = MemoryAdapter.#rows.get(this.#key(id));
    if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string): Promise<void> {
    MemoryAdapter.#rows.delete(this.#key(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, row] of MemoryAdapter.#rows) if (row.payload.grantId === grantId) MemoryAdapter.#rows.delete(key);
  }
}

/** A cookie-keeping HTTP client: the user's browser, for the provider's pages. */
class Browser {
  readonly #cookies = new Map<string, string>();
  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size > 0) headers.set('cookie', [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of response.headers.getSetCookie()) {
      const [pair = ''] = c.split(';', 1);
      const eq = pair.indexOf('=');
      this.#cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  }
}

/**
 * Starts an organisation's OpenID Provider (the `oidc-provider` package) on 127.0.0.1: RS256
 * ID tokens, discovery and JWKS at the standard paths, one client (the agents' app, with a
 * secret and PKCE), and its own login and consent pages, which check the user's password
 * against `passwords`. Node 20 makes `oidc-provider` print an "unsupported runtime" notice
 * when it is first loaded; `onNotice` receives it instead of the console.
 */
export async function startIdentityProvider(passwords: ReadonlyMap<string, string>, onNotice: (text: string) => void): Promise<IdentityProvider> {
  const app = express();
  app.disable('x-powered-by');
  const server: LoopbackServer = await listenLoopback(app);
  const issuer = server.origin;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { default: Provider } = await quietly(() => import('oidc-provider'), onNotice);
  const provider = quietlySync(() => new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: [{ client_id: AGENTS_APP, client_secret: APP_SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'acme-login-1' }] },
    claims: { openid: ['sub'] },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60 },
    async findAccount(_ctx: unknown, id: string) {
      return { accountId: id, claims: async () => ({ sub: id }) };
    },
  }), onNotice);
  // The provider's own pages: a login form and a consent form. The demo's browser posts them.
  app.get('/interaction/:uid', async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    res.type('html').send(`<form method="post"><input type="hidden" name="prompt" value="${details.prompt.name === 'login' ? 'login' : 'consent'}"></form>`);
  });
  app.post('/interaction/:uid', express.urlencoded({ extended: false }), async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const body = req.body as Record<string, string | undefined>;
    if (details.prompt.name === 'login') {
      const user = typeof body.login === 'string' ? body.login : '';
      if (passwords.get(user) !== body.password) {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'wrong user or password' }, { mergeWithLastSubmission: false });
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
      return;
    }
    const accountId = details.session?.accountId ?? '';
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  });
  app.use(provider.callback());

  return {
    issuer,
    async logIn(user, password) {
      const browser = new Browser();
      const verifier = randomBytes(32).toString('base64url');
      const auth = new URL('/auth', issuer);
      const query = { client_id: AGENTS_APP, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'), code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' };
      for (const [k, v] of Object.entries(query)) auth.searchParams.set(k, v);
      let url = auth.href;
      for (let step = 0; step < 10; step++) {
        let response = await browser.go(url);
        if (new URL(url).pathname.startsWith('/interaction/')) {
          const prompt = (await response.text()).includes('value="login"') ? 'login' : 'consent';
          const form: Record<string, string> = prompt === 'login' ? { prompt, login: user, password } : { prompt };
          response = await browser.go(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
        }
        const location = response.headers.get('location');
        if (location === null) throw new Error(`the provider stopped at HTTP ${response.status}`);
        const next = new URL(location, url);
        if (next.href.startsWith(REDIRECT)) {
          const code = next.searchParams.get('code');
          if (code === null) throw new Error(`the login was refused: ${next.searchParams.get('error') ?? 'no code'}`);
          const token = await fetch(new URL('/token', issuer), {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: AGENTS_APP, client_secret: APP_SECRET, code_verifier: verifier }).toString(),
          });
          const answer = (await token.json()) as { id_token?: unknown };
          if (typeof answer.id_token !== 'string') throw new Error('the provider issued no ID token');
          return answer.id_token;
        }
        url = next.href;
      }
      throw new Error('the login did not finish');
    },
    close: () => server.close(),
  };
}

const PREFIX = 'oidc-provider WARNING: ';

function redirectWarnings(onNotice: (text: string) => void): () => void {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.startsWith(PREFIX)) onNotice(text.slice(PREFIX.length));
    else warn(...args);
  };
  return () => {
    console.warn = warn;
  };
}

/** Runs `load` with oidc-provider's `console.warn` lines sent to `onNotice` (its start-up notices would go to the console). */
async function quietly<T>(load: () => Promise<T>, onNotice: (text: string) => void): Promise<T> {
  const restore = redirectWarnings(onNotice);
  try {
    return await load();
  } finally {
    restore();
  }
}

function quietlySync<T>(make: () => T, onNotice: (text: string) => void): T {
  const restore = redirectWarnings(onNotice);
  try {
    return make();
  } finally {
    restore();
  }
}
