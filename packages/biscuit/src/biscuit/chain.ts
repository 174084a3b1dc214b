import { InvalidSignatureError, MalformedInputError, type PublicKey } from '@agent-id/core';
import { type TokenLimits, assertBlockCount, datalogLimits } from '../limits.js';
import { type ChainRecord, type HopRecord, joinResources } from '../model.js';
import { cachedDidKey } from '../util.js';
import { mapWasmError } from '../wasm/errors.js';
import type { Glue } from '../wasm/runtime.js';
import { AUTHORITY_QUERY, HOP_QUERY } from './datalog.js';
import { datalogKey, wasmPublicKey } from './keys.js';

type Biscuit = Glue['Biscuit']['prototype'];
type Authorizer = Glue['Authorizer']['prototype'];

/** Parses and signature-checks a token against the first trusted root key that verifies it. */
export function parseBiscuit(glue: Glue, bytes: Uint8Array, roots: readonly PublicKey[], limits: TokenLimits): Biscuit {
  if (roots.length === 0) throw new TypeError('at least one trusted Biscuit root public key is required');
  let lastError: unknown;
  for (const root of roots) {
    const key = wasmPublicKey(glue, root);
    try {
      const token = glue.Biscuit.fromBytes(bytes, key);
      try {
        assertBlockCount(token.countBlocks(), limits);
      } catch (error) {
        token.free();
        throw error;
      }
      return token;
    } catch (error) {
      const mapped = mapWasmError(error, 'biscuit');
      if (mapped.code !== 'invalid_signature' && roots.length === 1) throw mapped;
      if (lastError === undefined || mapped.code === 'invalid_signature') lastError = mapped;
    } finally {
      key.free();
    }
  }
  throw lastError instanceof InvalidSignatureError ? new InvalidSignatureError('biscuit: no trusted root key verifies the token', { check: 'root_key' }) : lastError;
}

function strings(value: unknown, what: string): string[] {
  if (!(value instanceof Set)) throw new MalformedInputError(`${what} is not a set`, { check: 'chain' });
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') throw new MalformedInputError(`${what} holds a non-string`, { check: 'chain' });
    out.push(item);
  }
  return out.sort();
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new MalformedInputError(`${what} is not a string`, { check: 'chain' });
  return value;
}

function seconds(value: unknown, what: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new MalformedInputError(`${what} is not a date`, { check: 'chain' });
  return Math.floor(value.getTime() / 1000);
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new MalformedInputError(`${what} is not a count`, { check: 'chain' });
  return value;
}

function runQuery(glue: Glue, authorizer: Authorizer, source: string, limits: TokenLimits, params: Record<string, number>, scope: Record<string, string>): unknown[][] {
  const rule = glue.Rule.fromString(source);
  try {
    for (const [name, value] of Object.entries(params)) rule.set(name, value);
    for (const [name, value] of Object.entries(scope)) rule.setScope(name, value);
    let facts: Array<Glue['Fact']['prototype']>;
    try {
      facts = authorizer.queryWithLimits(rule, datalogLimits(limits)) as Array<Glue['Fact']['prototype']>;
    } catch (error) {
      throw mapWasmError(error, 'biscuit query');
    }
    const rows: unknown[][] = [];
    for (const fact of facts) {
      try {
        rows.push(fact.terms());
      } finally {
        fact.free();
      }
    }
    return rows;
  } finally {
    rule.free();
  }
}

function scopeFrom(row: unknown[], offset: number, what: string): HopRecord['granted'] {
  return {
    resources: joinResources(strings(row[offset], `${what} exact resources`), strings(row[offset + 1], `${what} resource prefixes`)),
    actions: strings(row[offset + 2], `${what} actions`),
    audience: strings(row[offset + 3], `${what} audience`),
    expiresAt: seconds(row[offset + 4], `${what} expiry`),
    maxDepth: integer(row[offset + 5], `${what} depth`),
  };
}

/** A hop whose signer could not be established (inspect only). */
export interface UnattributedHop {
  index: number;
  reason: string;
}

/**
 * Reads the chain from a token's blocks. Hop i's facts are only accepted from a block
 * signed (third-party) by the key of hop i-1's delegate, and must name the revocation id
 * of block i-1, so each hop is provably written by its delegator at its position.
 * `strict: false` (inspect) stops at the first hop that cannot be attributed.
 */
export function readChain(
  glue: Glue,
  authorizer: Authorizer,
  blockCount: number,
  revocationIds: readonly string[],
  limits: TokenLimits,
  strict = true,
): { chain: ChainRecord; unattributed?: UnattributedHop } {
  const rows = runQuery(glue, authorizer, AUTHORITY_QUERY, limits, {}, {});
  if (rows.length !== 1) throw new MalformedInputError(`authority block must state one capability, found ${rows.length}`, { check: 'authority' });
  const a = rows[0]!;
  const chain: ChainRecord = {
    issuer: text(a[0], 'issuer'),
    onBehalfOf: text(a[2], 'on-behalf-of'),
    task: text(a[3], 'task'),
    hops: [{ from: text(a[0], 'issuer'), to: text(a[1], 'holder'), granted: scopeFrom(a, 4, 'authority'), revocationId: revocationIds[0] ?? '' }],
  };
  for (let index = 1; index < blockCount; index++) {
    const from = chain.hops[index - 1]!.to;
    try {
      let key: string;
      try {
        key = datalogKey(cachedDidKey(from));
      } catch (cause) {
        throw new InvalidSignatureError(`hop ${index}: delegator ${from.slice(0, 120)} is not a did:key, so its signature cannot be checked`, { check: 'hop_signature', cause });
      }
      const found = runQuery(glue, authorizer, HOP_QUERY, limits, { index }, { key });
      if (found.length === 0) throw new InvalidSignatureError(`hop ${index} is not signed by its delegator ${from.slice(0, 120)}`, { check: 'hop_signature' });
      if (found.length > 1) throw new MalformedInputError(`hop ${index} is stated more than once`, { check: 'chain' });
      const row = found[0]!;
      const previous = row[2];
      const expected = revocationIds[index - 1];
      if (!Array.isArray(previous) || Buffer.from(previous as number[]).toString('hex') !== expected) {
        throw new MalformedInputError(`hop ${index} is not bound to block ${index - 1}`, { check: 'chain' });
      }
      const hopFrom = text(row[0], `hop ${index} delegator`);
      if (hopFrom !== from) throw new MalformedInputError(`hop ${index} names delegator ${hopFrom.slice(0, 120)}, expected ${from.slice(0, 120)}`, { check: 'chain' });
      chain.hops.push({ from: hopFrom, to: text(row[1], `hop ${index} delegate`), granted: scopeFrom(row, 3, `hop ${index}`), revocationId: revocationIds[index] ?? '' });
    } catch (error) {
      if (strict) throw error;
      return { chain, unattributed: { index, reason: error instanceof Error ? error.message : 'unreadable' } };
    }
  }
  return { chain };
}
