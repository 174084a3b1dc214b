import {
  type AgentIdError,
  InputTooLargeError,
  InternalError,
  InvalidSignatureError,
  MalformedInputError,
  ResourceLimitError,
  UnsupportedAlgorithmError,
} from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';

function firstKey(value: unknown): string | undefined {
  return isRecord(value) ? Object.keys(value)[0] : typeof value === 'string' ? value : undefined;
}

/**
 * Maps a biscuit-wasm failure (thrown as a plain object such as `{"Format":{...}}`) to a
 * typed error. Token bytes never reach the message: only the error's variant names do.
 */
export function mapWasmError(error: unknown, what: string): AgentIdError {
  if (!isRecord(error)) {
    const text = error instanceof Error ? error.message : String(error);
    return new MalformedInputError(`${what}: ${text.slice(0, 120)}`, { check: 'parse', cause: error });
  }
  const kind = firstKey(error);
  const detail = kind === undefined ? undefined : error[kind];
  const sub = firstKey(detail);
  const label = [kind, sub].filter(Boolean).join('.');
  switch (kind) {
    case 'Format': {
      if (sub === 'Signature' || sub === 'InvalidSignature' || sub === 'SealedSignature' || sub === 'InvalidKey' || sub === 'InvalidKeySize' || sub === 'BlockSignatureDeserializationError' || sub === 'SignatureDeserializationError') {
        return new InvalidSignatureError(`${what}: signature check failed (${label})`, { check: 'signature' });
      }
      if (sub === 'UnknownPublicKey' || sub === 'UnknownExternalKey') {
        return new InvalidSignatureError(`${what}: no trusted root key verifies the token (${label})`, { check: 'root_key' });
      }
      return new MalformedInputError(`${what}: token does not parse (${label})`, { check: 'parse' });
    }
    case 'RunLimit':
      return new ResourceLimitError(`${what}: Datalog run limit hit (${String(sub ?? detail)})`, { check: 'run_limit' });
    case 'Language':
      return new InternalError(`${what}: Datalog rejected (${label})`, { check: 'datalog' });
    case 'InvalidBlockIndex':
    case 'InvalidBlockRule':
    case 'Conversion':
    case 'ConversionError':
      return new MalformedInputError(`${what}: token structure is invalid (${label})`, { check: 'parse' });
    case 'TooManyFacts':
    case 'TooManyIterations':
    case 'Timeout':
      return new ResourceLimitError(`${what}: Datalog run limit hit (${kind})`, { check: 'run_limit' });
    case 'AlreadySealed':
      return new MalformedInputError(`${what}: token is sealed and cannot be attenuated`, { check: 'sealed' });
    case 'InvalidKeySize':
      return new UnsupportedAlgorithmError(`${what}: key has the wrong size`, { check: 'key' });
    case 'TooLarge':
      return new InputTooLargeError(`${what}: input too large`);
    default:
      return new InternalError(`${what}: biscuit error (${label || 'unknown'})`, { check: 'biscuit', cause: undefined });
  }
}
