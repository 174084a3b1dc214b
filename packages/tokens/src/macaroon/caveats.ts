import { DeniedError, MalformedInputError, SCOPE_LIMITS, type Scope, canonicalize } from '@agent-id/core';
import { bytesToUtf8, isRecord, parseJson } from '@agent-id/core/internal';

/**
 * The caveat language. Every first-party caveat is one line `name = value`, where `name`
 * is one of the names below and `value` is RFC 8785 (JCS) canonical JSON. Parsing is
 * strict: the value must re-canonicalize to the same text and carry exactly the listed
 * members, so each caveat has one spelling. An unknown name is refused (`denied`).
 *
 * - `capability = {"actions":[…],"audience":[…],"expires_at":N,"holder":"…","issued_at":N,"issuer":"…","max_depth":N,"on_behalf_of":"…","resources":[…],"task":"…"}`
 *   — the authority, first caveat, exactly once.
 * - `delegation = {"actions":[…],"audience":[…],"expires_at":N,"from":"…","id":"…","index":N,"issued_at":N,"max_depth":N,"resources":[…],"sig":"…","to":"…"}`
 *   — one hop; `sig` is the delegator's signature (base64url, JWS form) over the JCS of
 *   `{"hop":<this object without sig>,"parent":"<base64url macaroon signature before this caveat>"}`.
 *
 * `expires_at` and `issued_at` are whole seconds since the epoch; `issued_at` is when the
 * hop was made (never before its parent's).
 * - `expires_at = N` — in discharge macaroons only: the confirmation's expiry.
 */
export type Caveat =
  | { name: 'capability'; value: CapabilityCaveat }
  | { name: 'delegation'; value: DelegationCaveat }
  | { name: 'expires_at'; value: number };

export interface CapabilityCaveat {
  actions: string[];
  audience: string[];
  expires_at: number;
  holder: string;
  issued_at: number;
  issuer: string;
  max_depth: number;
  on_behalf_of: string;
  resources: string[];
  task: string;
}

export interface DelegationCaveat {
  actions: string[];
  audience: string[];
  expires_at: number;
  from: string;
  id: string;
  index: number;
  issued_at: number;
  max_depth: number;
  resources: string[];
  sig: string;
  to: string;
}

const LINE = /^([a-z_]{1,32}) = (.+)$/s;
// Sorted, as exactKeys compares them with the sorted members.
const CAPABILITY_KEYS = ['actions', 'audience', 'expires_at', 'holder', 'issued_at', 'issuer', 'max_depth', 'on_behalf_of', 'resources', 'task'];
const DELEGATION_KEYS = ['actions', 'audience', 'expires_at', 'from', 'id', 'index', 'issued_at', 'max_depth', 'resources', 'sig', 'to'];

/** Writes one caveat line. */
export function formatCaveat(caveat: Caveat): string {
  return `${caveat.name} = ${canonicalize(caveat.value)}`;
}

function bad(message: string): MalformedInputError {
  return new MalformedInputError(`caveat: ${message}`, { check: 'caveat' });
}

function exactKeys(value: Record<string, unknown>, keys: string[], name: string): void {
  const actual = Object.keys(value).sort();
  if (actual.length !== keys.length || actual.some((k, i) => k !== keys[i])) throw bad(`${name} must have exactly the members ${keys.join(', ')}`);
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > SCOPE_LIMITS.maxTextLength) throw bad(`${what} must be a non-empty string`);
  return value;
}

function list(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > SCOPE_LIMITS.maxEntries) throw bad(`${what} must be a non-empty list`);
  const out = value.map((v) => str(v, `each of ${what}`));
  if (new Set(out).size !== out.length) throw bad(`${what} has duplicates`);
  return out;
}

function int(value: unknown, what: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) throw bad(`${what} must be an integer from 0 to ${max}`);
  return value;
}

/** Parses one first-party caveat strictly. */
export function parseCaveat(bytes: Uint8Array): Caveat {
  const line = bytesToUtf8(bytes, 'caveat');
  const m = LINE.exec(line);
  if (!m) throw bad('not of the form `name = value`');
  const name = m[1]!;
  const raw = m[2]!;
  if (name !== 'capability' && name !== 'delegation' && name !== 'expires_at') {
    throw new DeniedError(`unknown caveat "${name}" is refused`, { check: 'caveat' });
  }
  const value = parseJson(raw, { maxBytes: 32_768, maxDepth: 4, what: `caveat ${name}` });
  if (canonicalize(value) !== raw) throw bad(`${name} value is not in canonical (JCS) form`);
  if (name === 'expires_at') return { name, value: int(value, 'expires_at', SCOPE_LIMITS.maxExpiresAt) };
  if (!isRecord(value)) throw bad(`${name} value must be an object`);
  if (name === 'capability') {
    exactKeys(value, CAPABILITY_KEYS, name);
    return {
      name,
      value: {
        ...scopeMembers(value),
        holder: str(value.holder, 'holder'),
        issued_at: int(value.issued_at, 'issued_at', SCOPE_LIMITS.maxExpiresAt),
        issuer: str(value.issuer, 'issuer'),
        on_behalf_of: str(value.on_behalf_of, 'on_behalf_of'),
        task: str(value.task, 'task'),
      },
    };
  }
  exactKeys(value, DELEGATION_KEYS, name);
  return {
    name,
    value: {
      ...scopeMembers(value),
      from: str(value.from, 'from'),
      id: str(value.id, 'id'),
      index: int(value.index, 'index', 64),
      issued_at: int(value.issued_at, 'issued_at', SCOPE_LIMITS.maxExpiresAt),
      sig: str(value.sig, 'sig'),
      to: str(value.to, 'to'),
    },
  };
}

// The scope members `capability` and `delegation` caveats share, validated alike.
function scopeMembers(value: Record<string, unknown>) {
  return {
    actions: list(value.actions, 'actions'),
    audience: list(value.audience, 'audience'),
    expires_at: int(value.expires_at, 'expires_at', SCOPE_LIMITS.maxExpiresAt),
    max_depth: int(value.max_depth, 'max_depth', SCOPE_LIMITS.maxDepth),
    resources: list(value.resources, 'resources'),
  };
}

export function scopeOf(c: CapabilityCaveat | DelegationCaveat): Scope {
  return { resources: c.resources, actions: c.actions, audience: c.audience, expiresAt: c.expires_at, maxDepth: c.max_depth };
}

/** The token identifier: `{"kid":…,"tid":…,"v":1}` in JCS. */
export interface TokenIdentifier {
  kid: string;
  tid: string;
}

export function formatIdentifier(id: TokenIdentifier): string {
  return canonicalize({ kid: id.kid, tid: id.tid, v: 1 });
}

export function parseIdentifier(bytes: Uint8Array): TokenIdentifier {
  const text = bytesToUtf8(bytes, 'macaroon identifier');
  const value = parseJson(text, { maxBytes: 1024, maxDepth: 2, what: 'macaroon identifier' });
  if (!isRecord(value) || canonicalize(value) !== text || value.v !== 1) throw bad('macaroon identifier is not an agent-id identifier');
  exactKeys(value, ['kid', 'tid', 'v'], 'identifier');
  return { kid: str(value.kid, 'kid'), tid: str(value.tid, 'tid') };
}

/** A third-party caveat id: `{"condition":…,"kid":…,"location":…,"nonce":…,"v":1}` in JCS. */
export interface ThirdPartyCaveatId {
  condition: string;
  kid: string;
  location: string;
  nonce: string;
}

export function formatThirdPartyId(id: ThirdPartyCaveatId): string {
  return canonicalize({ condition: id.condition, kid: id.kid, location: id.location, nonce: id.nonce, v: 1 });
}

export function parseThirdPartyId(bytes: Uint8Array): ThirdPartyCaveatId {
  const text = bytesToUtf8(bytes, 'third-party caveat id');
  const value = parseJson(text, { maxBytes: 4096, maxDepth: 2, what: 'third-party caveat id' });
  if (!isRecord(value) || canonicalize(value) !== text || value.v !== 1) throw bad('third-party caveat id is not an agent-id caveat id');
  exactKeys(value, ['condition', 'kid', 'location', 'nonce', 'v'], 'third-party caveat id');
  return { condition: str(value.condition, 'condition'), kid: str(value.kid, 'kid'), location: str(value.location, 'location'), nonce: str(value.nonce, 'nonce') };
}
