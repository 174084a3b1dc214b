import { MalformedInputError, canonicalize } from '@agent-id/core';
import { assertSize, bytesToUtf8, isRecord, utf8ToBytes } from '@agent-id/core/internal';
import { type NormalizedCard, normalizeCard } from './normalize.js';

/** Default largest accepted card, bytes. */
export const DEFAULT_MAX_CARD_BYTES = 131_072;

/** A card read from untrusted input, with its canonical signing payload. */
export interface PreparedCard extends NormalizedCard {
  /** The card as parsed (a private copy). */
  raw: Record<string, unknown>;
  canonical: string;
  payload: Uint8Array;
}

/**
 * Type → size → parse → schema. Accepts JSON text, UTF-8 bytes or a plain object. Depth is
 * bounded by the schema walk (32 levels), not by a separate pass.
 */
export function prepareCard(input: unknown, maxBytes = DEFAULT_MAX_CARD_BYTES): PreparedCard {
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
  return { raw, ...normalized, canonical, payload: utf8ToBytes(canonical) };
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
