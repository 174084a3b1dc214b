import { MalformedInputError, canonicalize } from '@agent-id/core';
import { base64urlEncode } from '@agent-id/core';
import { assertSize, bytesToUtf8, isRecord, utf8ToBytes } from '@agent-id/core/internal';
import { type CanonicalReading, type NormalizedCard, normalizeCard } from './normalize.js';

/** Default largest accepted card, bytes. */
export const DEFAULT_MAX_CARD_BYTES = 131_072;

/** One canonical form of a card and the readings that give exactly these bytes. */
export interface CanonicalForm {
  readings: CanonicalReading[];
  signed: Record<string, unknown>;
  canonical: string;
  /** base64url of the canonical bytes: the JWS payload part of the signing input. */
  payloadB64: string;
}

/** A card read from untrusted input, with its canonical signing payload. */
export interface PreparedCard extends NormalizedCard {
  /** The card as parsed (a private copy). */
  raw: Record<string, unknown>;
  /** The `prune-empty` form (the one agent-id signs). */
  canonical: string;
  payload: Uint8Array;
  /**
   * With `bothReadings`: one form per distinct byte string, `prune-empty` first. With
   * `bothReadings: 'on-demand'` only the `prune-empty` one (its readings include
   * `rule-1-as-written` when both give the same bytes); the other is {@link ruleOneForm}'s,
   * read when a signature needs it.
   */
  forms: CanonicalForm[];
}

/**
 * Type → size → parse → schema. Accepts JSON text, UTF-8 bytes or a plain object. Depth is
 * bounded by the schema walk (32 levels), not by a separate pass.
 */
export function prepareCard(input: unknown, maxBytes = DEFAULT_MAX_CARD_BYTES, bothReadings: boolean | 'on-demand' = false): PreparedCard {
  return prepareCardText(cardText(input, maxBytes), bothReadings);
}

/** Type → size: the card's JSON text (an object serialized), within `maxBytes`. */
export function cardText(input: unknown, maxBytes = DEFAULT_MAX_CARD_BYTES): string {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new MalformedInputError('maxCardBytes must be a positive integer', { check: 'options' });
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input instanceof Uint8Array) {
    assertSize(input, maxBytes, 'agent card');
    text = bytesToUtf8(input, 'agent card');
  } else if (isRecord(input)) {
    try {
      text = JSON.stringify(input);
    } catch (cause) {
      throw new MalformedInputError('agent card is not serializable as JSON', { cause });
    }
  } else {
    throw new MalformedInputError(`agent card must be a JSON object, text or bytes, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`, { check: 'type' });
  }
  assertSize(text, maxBytes, 'agent card');
  return text;
}

/** Parse → schema → canonical forms of a card's text (see {@link cardText}). */
export function prepareCardText(text: string, bothReadings: boolean | 'on-demand' = false): PreparedCard {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new MalformedInputError('agent card is not valid JSON', { cause });
  }
  if (!isRecord(raw)) throw new MalformedInputError('agent card is not a JSON object');
  assertVersion1(raw);
  const normalized = normalizeCard(raw);
  const canonical = canonicalize(normalized.signed);
  const payload = utf8ToBytes(canonical);
  const forms: CanonicalForm[] = [];
  if (bothReadings) {
    const pruned: CanonicalForm = { readings: ['prune-empty'], signed: normalized.signed, canonical, payloadB64: base64urlEncode(payload) };
    forms.push(pruned);
    // The readings differ only where a REQUIRED field is carried at its default value.
    if (normalized.defaultRequired.length === 0) pruned.readings.push('rule-1-as-written');
    else if (bothReadings === true) forms.push(ruleOneForm(raw));
  }
  return { raw, ...normalized, canonical, payload, forms };
}

/** The `rule-1-as-written` form of a parsed card (empty REQUIRED fields kept). */
export function ruleOneForm(raw: Record<string, unknown>): CanonicalForm {
  const kept = normalizeCard(raw, 'rule-1-as-written').signed;
  const text = canonicalize(kept);
  return { readings: ['rule-1-as-written'], signed: kept, canonical: text, payloadB64: base64urlEncode(text) };
}

/**
 * An A2A 0.3 card (endpoint in a top-level `url`, no `supportedInterfaces`) is refused with
 * its own check and a message saying what to change: the v1.0 canonical form would leave
 * its endpoint unsigned, so the generic refusal ("content the signature would not cover:
 * $.url") does not tell its author what is wrong.
 */
function assertVersion1(raw: Record<string, unknown>): void {
  if (raw.supportedInterfaces !== undefined || (typeof raw.url !== 'string' && typeof raw.preferredTransport !== 'string')) return;
  throw new MalformedInputError(
    'this is an A2A 0.3 agent card (a top-level "url", no "supportedInterfaces"): only A2A v1.0 cards are signed and verified. ' +
      'Move the endpoint into "supportedInterfaces": [{ "url": …, "protocolBinding": "JSONRPC", "protocolVersion": "1.0" }] ' +
      'and remove the top-level "url", "preferredTransport", "additionalInterfaces" and "protocolVersion"',
    { check: 'card_version' },
  );
}

/** An options argument: undefined → `{}`, an object as is, anything else `malformed_input`. */
export function optionsObject<T extends object>(value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (!isRecord(value)) throw new MalformedInputError('options must be an object', { check: 'options' });
  return value;
}
