import {
  type Clock,
  ExpiredError,
  InputTooLargeError,
  InvalidSignatureError,
  MalformedInputError,
  NotYetValidError,
  UnknownKeyError,
  UnsupportedAlgorithmError,
  UntrustedIssuerError,
  WrongAudienceError,
  readClock,
  readClockTolerance,
} from '@agent-id/core';
import { decodeJwt } from './decode-jwt.js';
import { verifiesJws } from './jws-signature.js';
import { type BundleKey, type SpiffeBundles, readSpiffeBundles } from './spiffe-bundles.js';
import { parseSpiffeId } from './spiffe-id.js';

/** The signature algorithms JWT-SVID allows (JWT-SVID §2.1): RSASSA-PKCS1-v1_5, ECDSA and RSASSA-PSS. */
export type JwtSvidAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512';

const ALGORITHMS: readonly JwtSvidAlgorithm[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
const CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
// JWT-SVID §2: any header other than these MUST NOT be present.
const HEADERS = new Set(['alg', 'kid', 'typ']);
const MAX_TOKEN_CHARS = 8_192;

/** Options of {@link verifyJwtSvid}. */
export interface VerifyJwtSvidOptions {
  /** The audience values this verifier identifies with: the SVID's `aud` must hold one (JWT-SVID §3.2). */
  audience: string | readonly string[];
  /** A narrower allow-list than JWT-SVID's nine algorithms. */
  algorithms?: readonly JwtSvidAlgorithm[];
  clock?: Clock;
  /** Seconds of skew allowed on `exp` and `nbf`. Default 5. */
  clockToleranceSec?: number;
}

/** What {@link verifyJwtSvid} checked: the workload's SPIFFE ID and the SVID's audience and expiry. */
export interface VerifiedJwtSvid {
  spiffeId: string;
  trustDomain: string;
  /** The SPIFFE ID's path (`''` for the trust domain itself). */
  path: string;
  audience: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  /** The `kid` of the bundle key that verified it. */
  keyId: string;
}

function fits(key: BundleKey, alg: JwtSvidAlgorithm): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  return alg.startsWith('ES') ? key.kty === 'EC' && key.crv === CURVES[alg] : key.kty === 'RSA';
}

function timeClaim(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new MalformedInputError(`the JWT-SVID's "${name}" claim is not a time`, { check: 'svid_claims' });
  return value;
}

/**
 * Verifies a SPIFFE JWT-SVID against trust bundles, as JWT-SVID Appendix A asks, before
 * any signature check: JWS compact form only, a header of `alg`, `kid` and `typ` only
 * (`typ` `JWT` or `JOSE`), `alg` one of the nine JWT-SVID algorithms (and of `algorithms`:
 * `none` and `HS256` never; `unsupported_algorithm`), `sub` a SPIFFE ID valid by the SPIFFE-ID
 * specification (`malformed_input`, check `spiffe_id` or `trust_domain`), whose trust domain has a
 * bundle (`untrusted_issuer`, check `svid_trust_domain`) with `jwt-svid` keys (check
 * `svid_bundle`) — one matching `kid` and `alg` (`unknown_key`) — then the signature
 * (`invalid_signature`), `aud` present and naming one of `audience` (`wrong_audience`),
 * `exp` present and not past (`expired`), and `nbf` when given.
 *
 * @example
 * ```ts
 * const workload = await verifyJwtSvid(svid, { 'acme.example': bundle }, { audience: 'https://tokens.acme.example' });
 * workload.spiffeId; // 'spiffe://acme.example/ns/agents/sa/analyst'
 * ```
 */
export async function verifyJwtSvid(token: unknown, bundles: SpiffeBundles, options: VerifyJwtSvidOptions): Promise<VerifiedJwtSvid> {
  const now = readClock(options.clock);
  const tolerance = readClockTolerance(options.clockToleranceSec, 5);
  const audience = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === '')) throw new TypeError('audience must name at least one value');
  const allowed = options.algorithms === undefined ? ALGORITHMS : ALGORITHMS.filter((a) => options.algorithms!.includes(a));
  const keysByDomain = readSpiffeBundles(bundles);
  if (typeof token !== 'string' || token.length === 0) throw new MalformedInputError('the JWT-SVID is not a string', { check: 'svid' });
  if (token.length > MAX_TOKEN_CHARS) throw new InputTooLargeError(`the JWT-SVID is longer than ${MAX_TOKEN_CHARS} characters`, { check: 'svid' });
  const decoded = decodeJwt(token);
  if (decoded === undefined) throw new MalformedInputError('the JWT-SVID is not a JWT in JWS compact serialization', { check: 'svid' });
  const { header, claims } = decoded;
  for (const name of Object.keys(header)) if (!HEADERS.has(name)) throw new MalformedInputError(`the JWT-SVID header has a parameter JWT-SVID forbids ("${name.slice(0, 20)}")`, { check: 'svid_header' });
  if (header.typ !== undefined && header.typ !== 'JWT' && header.typ !== 'JOSE') throw new MalformedInputError('the JWT-SVID "typ" is neither JWT nor JOSE', { check: 'svid_type' });
  const alg = header.alg as JwtSvidAlgorithm;
  if (typeof header.alg !== 'string' || !allowed.includes(alg)) throw new UnsupportedAlgorithmError('the JWT-SVID is signed with an algorithm JWT-SVID or this verifier does not allow', { check: 'svid_algorithm' });
  if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid === '')) throw new MalformedInputError('the JWT-SVID "kid" is not a string', { check: 'svid_header' });
  const { trustDomain, path, id } = parseSpiffeId(claims.sub);
  const keys = Object.hasOwn(bundles, trustDomain) ? keysByDomain.get(trustDomain) : undefined;
  if (keys === undefined) throw new UntrustedIssuerError('the JWT-SVID is from a trust domain this verifier has no bundle for', { check: 'svid_trust_domain' });
  if (keys.length === 0) throw new UntrustedIssuerError('the trust domain\'s bundle has no JWT-SVID keys: its SVIDs are not trusted', { check: 'svid_bundle' });
  const candidates = keys.filter((k) => (header.kid === undefined || k.kid === header.kid) && fits(k, alg));
  if (candidates.length === 0) throw new UnknownKeyError('no JWT-SVID key of the trust domain matches the SVID\'s "kid" and algorithm', { check: 'svid_key' });
  const key = candidates.find((k) => verifiesJws(token, alg, k.key));
  if (key === undefined) throw new InvalidSignatureError('the JWT-SVID\'s signature does not verify with its trust domain\'s keys', { check: 'svid_signature' });
  // JWT-SVID §3.2, §3.3: `aud` and `exp` present, checked as RFC 7519 §4.1.3–4.1.4 say.
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : undefined;
  if (aud === undefined || aud.some((a) => typeof a !== 'string')) throw new MalformedInputError('the JWT-SVID has no "aud" of strings', { check: 'svid_claims' });
  if (!aud.some((a) => audience.includes(a))) throw new WrongAudienceError('the JWT-SVID is for another audience', { check: 'svid_audience' });
  const exp = timeClaim(claims.exp, 'exp');
  const nbf = timeClaim(claims.nbf, 'nbf');
  const nowSeconds = Math.floor(now / 1000);
  if (exp === undefined) throw new MalformedInputError('the JWT-SVID has no "exp"', { check: 'svid_claims' });
  if (exp <= nowSeconds - tolerance) throw new ExpiredError('the JWT-SVID has expired', { check: 'svid_expiry' });
  if (nbf !== undefined && nbf > nowSeconds + tolerance) throw new NotYetValidError('the JWT-SVID is not valid yet', { check: 'svid_not_before' });
  return { spiffeId: id, trustDomain, path, audience: aud as string[], expiresAt: exp, keyId: key.kid };
}
