// @ts-check
// Writes vectors.json: the known-answer vectors every runtime runs (see README.md here).
// Run from packages/runtimes after a build: `node test/vectors/generate.mjs`. The answers
// published elsewhere (RFC 8037, RFC 7515, RFC 8785, the did:key test vectors) are written
// here as published and checked against Node's answers before anything is written; the
// frozen Biscuit tokens come from packages/tokens' known-answer vectors.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { KeyPair, PublicKey, base64urlEncode, canonicalize, parseCompactJws, signCompactJws, verifyJwsSignature } from '@agent-id/core';
import { createDidResolver, didKeyFromPublicKey, publicKeyFromDidKey } from '@agent-id/did';
import { authorize } from '@agent-id/tokens';
import { signAgentCard, verifyAgentCard } from '@agent-id/a2a-cards';

// ECDSA signatures differ at every signing: a vector already frozen is kept while it verifies.
const previousFile = new URL('./vectors.json', import.meta.url);
const previous = existsSync(previousFile) ? JSON.parse(readFileSync(previousFile, 'utf8')) : { jws: [], cards: [] };

/** @param {unknown} actual @param {unknown} expected @param {string} what */
function same(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) throw new Error(`${what}: Node gives ${JSON.stringify(actual)}, the published answer is ${JSON.stringify(expected)}`);
}
/** Test keys only: derived from a label. @param {string} label */
const secretOf = (label) => base64urlEncode(createHash('sha256').update(`agent-id runtimes test key: ${label}`).digest());

// RFC 8037 appendix A.4 (Ed25519 key of A.1, deterministic signature) and RFC 7515 appendix A.3 (ES256).
const rfc8037 = { d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
const jws = [
  {
    name: 'rfc8037-a4-ed25519',
    jwk: { kty: 'OKP', crv: 'Ed25519', x: rfc8037.x },
    jws: 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
    signWith: { type: 'Ed25519', secret: rfc8037.d },
  },
  {
    name: 'rfc7515-a3-es256',
    jwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
    jws: 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
  },
];
// Ours: a JWT-shaped Ed25519 JWS with kid/typ (deterministic), and a P-256 one (frozen signature).
for (const type of /** @type {const} */ (['Ed25519', 'P-256'])) {
  const key = { type, secret: secretOf(`jws ${type}`) };
  const pair = KeyPair.fromSecretKey(type, Buffer.from(key.secret, 'base64url'));
  const did = didKeyFromPublicKey(pair.publicKey);
  const payload = new TextEncoder().encode(JSON.stringify({ iss: did, sub: 'did:web:acme.example:alice', iat: 1900000000, 'é': 'ünïcödé ✓' }));
  const name = `agent-id-${type.toLowerCase()}`;
  const kept = previous.jws.find((/** @type {{ name: string }} */ v) => v.name === name)?.jws;
  const fresh = signCompactJws({ typ: 'JWT', kid: `${did}#${did.slice(8)}` }, payload, pair);
  const frozen = type === 'P-256' && kept && kept.split('.').slice(0, 2).join('.') === fresh.split('.').slice(0, 2).join('.') ? kept : fresh;
  jws.push({ name, jwk: pair.publicKey.toJwk(), jws: frozen, ...(type === 'Ed25519' ? { signWith: key } : {}) });
}
for (const v of jws) {
  verifyJwsSignature(parseCompactJws(v.jws), PublicKey.fromJwk(v.jwk));
  if (v.signWith) {
    const [h, p] = v.jws.split('.');
    const { alg: _alg, ...header } = JSON.parse(Buffer.from(/** @type {string} */ (h), 'base64url').toString());
    same(signCompactJws(header, Buffer.from(/** @type {string} */ (p), 'base64url'), KeyPair.fromSecretKey('Ed25519', Buffer.from(v.signWith.secret, 'base64url'))), v.jws, v.name);
  }
}

// RFC 8785 section 3.2.2 (the sample), 3.2.3 (sorting by UTF-16 code units), appendix B (numbers).
const jcs = [
  {
    name: 'rfc8785-3.2.2',
    input: '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    canonical: '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  },
  {
    name: 'rfc8785-3.2.3-sorting',
    input: '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    canonical: '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  },
  {
    name: 'rfc8785-appendix-b-numbers',
    input: '[0, -0, 1e-7, 1e21, 1e20, 9007199254740992, 9007199254740993, 295147905179352830000, 0.000001, 4.35, 0.1, 1.7976931348623157e308, 5e-324, -1.5e-10]',
    canonical: '[0,0,1e-7,1e+21,100000000000000000000,9007199254740992,9007199254740992,295147905179352830000,0.000001,4.35,0.1,1.7976931348623157e+308,5e-324,-1.5e-10]',
  },
];
for (const v of jcs) same(canonicalize(JSON.parse(v.input)), v.canonical, v.name);

// did:key test vectors (w3c-ccg did-method-key, test-vectors/ed25519-x25519.json and nist-curves.json), and malformed DIDs.
const didKey = [
  { did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik' } },
  { did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'TLWr9q15-_WrvMr8wmnYXNJlHtS4hbWGnyQa7fCluik' } },
  {
    did: 'did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169',
    jwk: { kty: 'EC', crv: 'P-256', x: 'fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI', y: 'hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU' },
  },
  {
    did: 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme',
    jwk: { kty: 'EC', crv: 'secp256k1', x: 'h0wVx_2iDlOcblulc8E5iEw1EYh5n1RYtLQfeSTyNc0', y: 'O2EATIGbu6DezKFptj5scAIRntgfecanVNXxat1rnwE' },
  },
  // Ours: one character short (the multicodec prefix no longer decodes), truncated, not a did:key.
  { did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW', code: 'unsupported_algorithm', check: 'key_type' },
  { did: 'did:key:zQ3shokFTS3brHc', code: 'malformed_input', check: 'did_syntax' },
  { did: 'did:web:example.com', code: 'unknown_did', check: 'resolve' },
];
for (const v of didKey) {
  let answer;
  try {
    answer = { jwk: publicKeyFromDidKey(v.did).toJwk() };
  } catch (e) {
    const { code, check } = /** @type {{ code: string, check: string }} */ (e);
    answer = { code, check };
  }
  same(answer, v.jwk ? { jwk: v.jwk } : { code: v.code, check: v.check }, v.did);
}

// Frozen Biscuit tokens of packages/tokens, decided at their fixed time.
const frozen = JSON.parse(readFileSync(new URL('../../../tokens/test/vectors/known-answer/vectors.json', import.meta.url), 'utf8'));
const biscuit = [];
for (const name of ['biscuit-3-hops', 'biscuit-2-hops-p256-third-party-block']) {
  const v = frozen.vectors.find((/** @type {{ name: string }} */ x) => x.name === name);
  const denied = v.denied.filter((/** @type {{ withoutDischarges?: boolean }} */ d) => !d.withoutDischarges);
  // One byte changed in the authority block's signature, in the last block's, and in the proof (the last bytes).
  const bytes = Buffer.from(v.token, 'base64url');
  const tampered = [];
  for (const [why, at] of /** @type {const} */ ([
    ['a byte of the authority signature changed', bytes.indexOf(Buffer.from([0x12, 0x40]), 40) + 10],
    ['a byte of the proof changed', bytes.length - 5],
  ])) {
    const copy = Buffer.from(bytes);
    copy[at] = /** @type {number} */ (copy[at]) ^ 0x01;
    const token = copy.toString('base64url');
    try {
      await authorize(token, { request: v.allowed.request, presenter: v.presenter, trustedRoots: publicKeyFromDidKey(frozen.keys.root.did), clock: () => frozen.now * 1000 });
      throw new Error(`${name}: ${why}, and Node allows it`);
    } catch (e) {
      const { code, check } = /** @type {{ code?: string, check?: string }} */ (e);
      if (code === undefined || check === undefined) throw e;
      tampered.push({ why, token, code, check });
    }
  }
  biscuit.push({ name, token: v.token, root: frozen.keys.root.did, presenter: v.presenter, now: frozen.now, request: v.allowed.request, allowed: v.allowed.result, denied, tampered });
  const { record: _r, ...result } = await authorize(v.token, { request: v.allowed.request, presenter: v.presenter, trustedRoots: publicKeyFromDidKey(frozen.keys.root.did), clock: () => frozen.now * 1000 });
  same(JSON.parse(JSON.stringify(result)), v.allowed.result, name);
}

// Agent cards signed by us: Ed25519 (deterministic: every runtime must sign it to the same bytes) and P-256.
const resolver = createDidResolver();
const cards = [];
for (const type of /** @type {const} */ (['Ed25519', 'P-256'])) {
  const key = { type, secret: secretOf(`card ${type}`) };
  const pair = KeyPair.fromSecretKey(type, Buffer.from(key.secret, 'base64url'));
  const did = didKeyFromPublicKey(pair.publicKey);
  const keyId = `${did}#${did.slice(8)}`;
  const signed = signAgentCard(
    {
      name: 'Trip Planner',
      description: 'Plans business trips — réservations, 予約',
      version: '1.2.0',
      supportedInterfaces: [{ url: 'https://acme.example/a2a/v1', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      provider: { organization: 'Acme Corp', url: 'https://acme.example' },
      capabilities: { streaming: true, pushNotifications: false },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['application/json'],
      skills: [{ id: 'plan', name: 'Plan a trip', description: 'Books flights and hotels', tags: ['travel'] }],
    },
    { keyId, keyPair: pair },
  );
  const keptCard = previous.cards.find((/** @type {{ name: string }} */ c) => c.name === `agent-id-${type.toLowerCase()}`)?.card;
  const card = type === 'P-256' && keptCard && JSON.stringify({ ...keptCard, signatures: [] }) === JSON.stringify({ ...signed, signatures: [] }) ? keptCard : signed;
  const hosts = ['acme.example'];
  const verdict = await verifyAgentCard(card, resolver, { signers: [{ did, hosts }] });
  cards.push({ name: `agent-id-${type.toLowerCase()}`, card, signer: did, hosts, signers: verdict.signers, ...(type === 'Ed25519' ? { signWith: { ...key, keyId } } : {}) });
}

writeFileSync(new URL('./vectors.json', import.meta.url), `${JSON.stringify({ jws, jcs, didKey, biscuit, cards }, null, 2)}\n`);
console.log(`vectors.json: ${jws.length} JWS, ${jcs.length} JCS, ${didKey.length} did:key, ${biscuit.length} Biscuit, ${cards.length} cards`);
