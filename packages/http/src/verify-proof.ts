import {
  type Clock,
  ExpiredError,
  InvalidSignatureError,
  KeyMismatchError,
  MalformedInputError,
  NonceRequiredError,
  NotYetValidError,
  PublicKey,
  ReplayedError,
  RequestMismatchError,
  type JwsHeader,
  type ParsedJws,
  base64urlDecode,
  parseCompactJws,
  readClock,
  readClockTolerance,
  verifyJwsSignature,
  verifyJwsSignatureAsync,
} from '@agent-id/core';
import { BoundedMap, PLATFORM, assertCanonicalBase64url, assertSize, bytesToUtf8, deepFreeze, isRecord, parseJson, utf8ToBytes } from '@agent-id/core/internal';
import { type DidResolver, didKeyFromPublicKey } from '@agent-id/did';
import { PROOF_TYPE } from './create-proof.js';
import { normalizeHtu } from './htu.js';
import type { NonceIssuer } from './nonces.js';
import type { ReplayStore } from './replay-cache.js';
import { tokenHash } from './token-hash.js';

/** Options of {@link verifyProof}. */
export interface VerifyProofOptions {
  /** Method of the request the proof came with. */
  method: string;
  /** Absolute URL of that request as this server is known to its callers (its public origin, never the `Host` header). */
  url: string;
  /** The token presented with it (the proof's `ath` must be its hash). */
  token: string;
  /** Resolves the `kid` DID URL to the agent's key (relationship `authentication`). */
  resolver: DidResolver;
  /** Where accepted proof ids are kept until their proofs expire. */
  replay: ReplayStore;
  /** When given, the proof must carry a nonce it accepts (`nonce_required` otherwise). */
  nonces?: NonceIssuer;
  /** How old a proof may be, seconds (its `iat` before now). Default 60. */
  maxAgeSec?: number;
  /** How far in the future a proof's `iat` may be, for clock skew, seconds. Default 5. */
  clockToleranceSec?: number;
  clock?: Clock;
}

/** What {@link verifyProof} verified. */
export interface VerifiedProof {
  /** The agent's DID: the controller of the key that signed the proof. */
  agent: string;
  /** DID URL of that key. */
  keyId: string;
  /** The proof's id, now recorded as used. */
  jti: string;
  /** The proof's `iat`, seconds since the epoch. */
  issuedAt: number;
}

interface ProofClaims {
  jti: string;
  htm: string;
  htu: string;
  iat: number;
  ath: string;
  nonce?: string;
}

const JTI = /^[\x21-\x7e]{8,256}$/;

function readClaims(payload: string): ProofClaims {
  const claims = parseJson(payload, { maxBytes: 8192, maxDepth: 4, what: 'proof claims' });
  if (!isRecord(claims)) throw new MalformedInputError('proof claims are not a JSON object', { check: 'proof_claims' });
  const { jti, htm, htu, iat, ath, nonce } = claims;
  if (typeof jti !== 'string' || !JTI.test(jti)) throw new MalformedInputError('proof "jti" is not 8 to 256 visible ASCII characters', { check: 'jti' });
  if (typeof htm !== 'string' || typeof htu !== 'string' || typeof ath !== 'string') {
    throw new MalformedInputError('proof needs string "htm", "htu" and "ath"', { check: 'proof_claims' });
  }
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat < 0) throw new MalformedInputError('proof "iat" is not whole seconds', { check: 'proof_iat' });
  if (nonce !== undefined && typeof nonce !== 'string') throw new MalformedInputError('proof "nonce" is not a string', { check: 'nonce' });
  return { jti, htm, htu, iat, ath, ...(nonce !== undefined ? { nonce } : {}) };
}

// Keys of the `jwk` headers seen, by their members: validating a key (its subgroup check)
// costs several verifications, and an agent signs every request with the same key.
const MAX_EMBEDDED_KEYS = 4096;
const embeddedKeys = new BoundedMap<string, PublicKey>(MAX_EMBEDDED_KEYS);

function embeddedKey(jwk: unknown): PublicKey {
  if (!isRecord(jwk)) throw new MalformedInputError('proof "jwk" is not a JSON object', { check: 'proof_key' });
  if ('d' in jwk || 'p' in jwk) throw new MalformedInputError('proof "jwk" holds a private key', { check: 'proof_key' });
  const { kty, crv, x, y } = jwk;
  const id = JSON.stringify([kty, crv, x, y]);
  const cached = embeddedKeys.get(id);
  if (cached !== undefined) return cached;
  let key: PublicKey;
  try {
    key = PublicKey.fromJwk(jwk);
  } catch (cause) {
    throw new MalformedInputError('proof "jwk" is not a supported public key', { check: 'proof_key', cause });
  }
  embeddedKeys.set(id, key);
  return key;
}

// Proof headers seen, by their text: an agent sends the same header (`typ`, `alg`, `kid`,
// `jwk`) with every request, and what it says (and the key its `jwk` holds) is a function of
// the text alone. Parsed once with core's `parseCompactJws`; frozen, so no caller changes it.
const MAX_HEADERS = 4096;
const MAX_HEADER_CHARS = 1024;
interface SeenHeader {
  header: JwsHeader;
  /** The key of its `jwk`, once read. */
  embedded?: PublicKey;
}
const headers = new BoundedMap<string, SeenHeader>(MAX_HEADERS);

const EMPTY = new Uint8Array(0);
type NodeBuffer = Uint8Array & { write(text: string, encoding: 'base64url'): number };
const NodeBufferClass = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): NodeBuffer; from(text: string, encoding: 'latin1' | 'base64url'): Uint8Array } }).Buffer;
const MAX_PAYLOAD_CHARS = 8192;
const scratch: NodeBuffer | undefined = NodeBufferClass?.allocUnsafeSlow((MAX_PAYLOAD_CHARS * 3) / 4);

/**
 * Strict base64url (core's check: alphabet, length, canonical trailing bits), then strict
 * UTF-8: on Node decoded in one reused buffer, as only the text is kept (no array per proof).
 */
function decodeText(part: string): string {
  if (scratch === undefined || part.length > MAX_PAYLOAD_CHARS) return bytesToUtf8(base64urlDecode(part, 'proof payload'), 'proof claims');
  assertCanonicalBase64url(part, 'proof payload');
  const length = scratch.write(part, 'base64url');
  return bytesToUtf8(scratch.subarray(0, length), 'proof claims');
}

/**
 * Strict base64url decoding of public bytes (a signature): on Node into Buffer's shared
 * pool, which only secrets must stay out of (core's decoder copies for them).
 */
function decodePublic(part: string, what: string): Uint8Array {
  if (NodeBufferClass === undefined) return base64urlDecode(part, what);
  assertCanonicalBase64url(part, what);
  return NodeBufferClass.from(part, 'base64url');
}

/** `parseCompactJws` (type, size, three parts, header, payload, signature), the header read once per text. */
function parseProof(proof: unknown): { jws: ParsedJws & { payloadText?: string }; seen: SeenHeader } {
  if (typeof proof === 'string') {
    assertSize(proof, 8192, 'proof');
    const first = proof.indexOf('.');
    const second = first < 0 ? -1 : proof.indexOf('.', first + 1);
    const seen = second < 0 || first > MAX_HEADER_CHARS || proof.indexOf('.', second + 1) >= 0 ? undefined : headers.get(proof.slice(0, first));
    if (seen !== undefined) {
      return {
        jws: {
          header: seen.header,
          protected: proof.slice(0, first),
          // Read as text only (the claims): no byte array is kept of it.
          payload: EMPTY,
          payloadText: decodeText(proof.slice(first + 1, second)),
          // The header was checked to be base64url, the payload just now: ASCII, one byte per character.
          signingInput: NodeBufferClass ? NodeBufferClass.from(proof.slice(0, second), 'latin1') : utf8ToBytes(proof.slice(0, second)),
          signature: decodePublic(proof.slice(second + 1), 'proof signature'),
        },
        seen,
      };
    }
  }
  const jws = parseCompactJws(proof, { maxBytes: 8192, what: 'proof' });
  if (jws.protected.length > MAX_HEADER_CHARS) return { jws, seen: { header: jws.header } };
  const seen: SeenHeader = { header: deepFreeze(jws.header) };
  headers.set(jws.protected, seen);
  return { jws, seen };
}

/** The key a proof names: its `kid` resolved (and equal to `jwk` when both are given), or a did:key of its `jwk`. */
async function proofKey(header: Record<string, unknown>, seen: SeenHeader, resolver: DidResolver): Promise<{ agent: string; keyId: string; publicKey: PublicKey }> {
  const { kid, jwk } = header;
  if (jwk !== undefined) seen.embedded ??= embeddedKey(jwk);
  const embedded = seen.embedded;
  if (typeof kid === 'string') {
    if (!kid.startsWith('did:') || kid.length > 2048) throw new MalformedInputError('proof "kid" is not a DID URL', { check: 'proof_key' });
    const resolved = await resolver.resolveKey(kid, 'authentication');
    if (embedded !== undefined && !embedded.equals(resolved.publicKey)) throw new KeyMismatchError('proof "jwk" is not the key its "kid" names', { check: 'proof_key' });
    return { agent: resolved.did, keyId: resolved.id, publicKey: resolved.publicKey };
  }
  if (kid !== undefined) throw new MalformedInputError('proof "kid" is not a string', { check: 'proof_key' });
  if (embedded === undefined) throw new MalformedInputError('proof names no key ("kid" or "jwk")', { check: 'proof_key' });
  const agent = didKeyFromPublicKey(embedded);
  return { agent, keyId: `${agent}#${agent.slice('did:key:'.length)}`, publicKey: embedded };
}

/**
 * Verifies a proof of possession sent with one request (the `DPoP` header; see
 * {@link createProof}). Checks, in this order, and throws a coded error for the first that
 * fails:
 *
 * 1. the clock, then size and JWS form, `alg` in the allow-list (EdDSA, ES256, ES256K;
 *    `malformed_input`, `unsupported_algorithm`), `typ` `dpop+jwt` (check `typ`);
 * 2. the claims' shape (`malformed_input`, checks `proof_claims`, `jti`, `proof_iat`, `nonce`);
 * 3. the key: the `kid` DID URL resolved for `authentication` (a `jwk` beside it must be
 *    that key: `key_mismatch`), or with only a `jwk`, the did:key of that key;
 * 4. the signature (`key_mismatch`, `invalid_signature`, check `proof_signature`);
 * 5. `htm` and `htu` name this request, `ath` this token (`request_mismatch`, checks
 *    `htm`, `htu`, `ath`);
 * 6. `iat` no older than `maxAgeSec` (`expired`) nor later than `clockToleranceSec` ahead
 *    (`not_yet_valid`), check `proof_iat`;
 * 7. with `nonces`, a nonce it accepts (`nonce_required`);
 * 8. the `jti` not used before by this key (`replayed`, check `jti`), then recorded until the proof is too old anyway.
 *
 * The caller then binds the proven agent to the token: it must be the token's final holder.
 *
 * @example
 * ```ts
 * const { agent } = await verifyProof(request.headers.get('dpop'), { method: 'GET', url, token, resolver, replay });
 * ```
 */
export async function verifyProof(proof: unknown, options: VerifyProofOptions): Promise<VerifiedProof> {
  const checked = await checkProof(proof, options);
  const claimed = checked.claim();
  if (claimed !== undefined) await claimed;
  return checked.proof;
}

/**
 * @internal Checks 1 to 7 of {@link verifyProof}; `claim` is check 8, for a caller that
 * must check who the agent is before its proof id takes a slot of a bounded store.
 * `known.tokenHash` is `tokenHash(options.token)` when the caller has it already.
 */
export async function checkProof(proof: unknown, options: VerifyProofOptions, known?: { tokenHash?: string }): Promise<{ proof: VerifiedProof; claim(): Promise<void> | undefined }> {
  const now = Math.floor(readClock(options.clock) / 1000);
  const maxAge = readClockTolerance(options.maxAgeSec, 60);
  const ahead = readClockTolerance(options.clockToleranceSec, 5);
  const { jws, seen } = parseProof(proof);
  if (jws.header.typ !== PROOF_TYPE) throw new MalformedInputError(`proof "typ" is not ${PROOF_TYPE}`, { check: 'typ' });
  const claims = readClaims(jws.payloadText ?? bytesToUtf8(jws.payload, 'proof claims'));
  const key = await proofKey(jws.header, seen, options.resolver);
  try {
    // node:crypto verifies synchronously: no promise per request there.
    if (PLATFORM === 'node') verifyJwsSignature(jws, key.publicKey, 'proof signature');
    else await verifyJwsSignatureAsync(jws, key.publicKey, 'proof signature');
  } catch (error) {
    if (error instanceof KeyMismatchError || error instanceof InvalidSignatureError) throw new (error.constructor as typeof InvalidSignatureError)(error.message, { check: 'proof_signature' });
    throw error;
  }
  if (claims.htm !== options.method) throw new RequestMismatchError('the proof is for another HTTP method', { check: 'htm' });
  let htu: string;
  try {
    htu = normalizeHtu(claims.htu);
  } catch {
    throw new RequestMismatchError('the proof is for another URL', { check: 'htu' });
  }
  // Equal texts normalize alike: the request's URL is normalized only when the proof spells it otherwise.
  if (claims.htu !== options.url && htu !== normalizeHtu(options.url)) throw new RequestMismatchError('the proof is for another URL', { check: 'htu' });
  if (claims.ath !== (known?.tokenHash ?? tokenHash(options.token))) throw new RequestMismatchError('the proof is for another token', { check: 'ath' });
  if (claims.iat < now - maxAge) throw new ExpiredError(`the proof is more than ${maxAge} s old`, { check: 'proof_iat' });
  if (claims.iat > now + ahead) throw new NotYetValidError('the proof is dated in the future', { check: 'proof_iat' });
  if (options.nonces !== undefined && !options.nonces.accepts(claims.nonce)) {
    throw new NonceRequiredError(claims.nonce === undefined ? 'the server requires a nonce in the proof' : 'the proof carries a nonce this server does not accept (stale or not its own)');
  }
  return {
    proof: { agent: key.agent, keyId: key.keyId, jti: claims.jti, issuedAt: claims.iat },
    // Recorded last, so a proof refused for any other reason does not use up its id.
    // Synchronous when the store answers synchronously (no promise per request); else a promise.
    claim() {
      const fresh = options.replay.claim(`${key.keyId}\n${claims.jti}`, (claims.iat + maxAge + 1) * 1000);
      if (typeof fresh === 'boolean') {
        if (!fresh) throw new ReplayedError('this proof was used before', { check: 'jti' });
        return undefined;
      }
      return Promise.resolve(fresh).then((ok) => {
        if (!ok) throw new ReplayedError('this proof was used before', { check: 'jti' });
      });
    },
  };
}
