import { KeyPair, MalformedInputError, signDetachedJws } from '@agent-id/core';
import { optionsObject, prepareCard } from './prepare.js';
import type { AgentCard, AgentCardSignature, JsonObject } from './types.js';

/** Who signs: a DID URL naming the key (an `assertionMethod` of the DID) and the key pair. */
export interface CardSigner {
  /** DID URL of the signing key, e.g. `did:web:acme.example#key-1`; becomes the `kid`. */
  keyId: string;
  keyPair: KeyPair;
}

/** Options for {@link signAgentCard}. */
export interface SignAgentCardOptions {
  /** Unprotected header members (never used for trust by verifiers). */
  header?: JsonObject;
  /** Largest accepted card, bytes. Default 131,072. */
  maxCardBytes?: number;
  /**
   * Sign even when some card content would not be covered by the signature (fields outside
   * the v1.0 schema, map entries or list items that the SDK's canonical form drops) or a
   * REQUIRED field is empty (where the A2A specification and the SDK canonicalize
   * differently). Default false: such cards are refused with `malformed_input`.
   */
  allowUncoveredContent?: boolean;
}

const DID_URL = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]+#[^\s#]+$/;

/**
 * Signs an A2A agent card: a JWS (payload detached) over the card's canonical form
 * (see {@link canonicalizeAgentCard}) with protected header `{alg, kid, typ: "JOSE"}`,
 * appended to `signatures`, so several parties (the agent, its organisation) can sign one
 * card. `alg` follows the key: EdDSA, ES256 or ES256K. Returns a new card; the input is
 * not modified. Verifiable by `@a2a-js/sdk`'s `verifyAgentCardSignature` and by any JWS
 * library given the canonical payload. The bytes signed are the `prune-empty` reading of
 * section 8.4.1 (the one the SDKs verify); a card on which it differs from
 * `rule-1-as-written` (an empty REQUIRED field) is refused unless `allowUncoveredContent`,
 * so a card signed here verifies under both readings.
 *
 * @example
 * ```ts
 * import { createAgentIdentity } from '@agent-id/did';
 * import { signAgentCard } from '@agent-id/a2a-cards';
 * const acme = createAgentIdentity({ method: 'web', domain: 'acme.example' });
 * const signed = signAgentCard(card, acme); // uses acme.keyId as kid
 * ```
 */
export function signAgentCard(card: AgentCard | unknown, signer: CardSigner, signOptions?: SignAgentCardOptions): AgentCard {
  const options = optionsObject(signOptions);
  const s = signer as Partial<CardSigner> | null | undefined;
  if (typeof s !== 'object' || s === null || !(s.keyPair instanceof KeyPair)) {
    throw new MalformedInputError('signer must be { keyId, keyPair } with a KeyPair', { check: 'signer' });
  }
  if (typeof s.keyId !== 'string' || s.keyId.length > 2048 || !DID_URL.test(s.keyId)) {
    throw new MalformedInputError('signer keyId must be a DID URL with a fragment', { check: 'kid' });
  }
  if (options.header !== undefined && (typeof options.header !== 'object' || options.header === null || Array.isArray(options.header))) {
    throw new MalformedInputError('unprotected header must be an object', { check: 'header' });
  }
  if (options.header && ['alg', 'kid', 'typ', 'crit'].some((k) => Object.hasOwn(options.header!, k))) {
    throw new MalformedInputError('unprotected header must not repeat alg, kid, typ or crit', { check: 'header' });
  }
  const prepared = prepareCard(card, options.maxCardBytes);
  if (!options.allowUncoveredContent) {
    if (prepared.unsigned.length > 0) {
      throw new MalformedInputError(`card content the signature would not cover: ${prepared.unsigned.slice(0, 8).join(', ')}`, { check: 'canonical_form' });
    }
    if (prepared.emptyRequired.length > 0) {
      throw new MalformedInputError(
        `required card fields are missing or empty (the A2A spec and @a2a-js/sdk canonicalize them differently): ${prepared.emptyRequired.slice(0, 8).join(', ')}`,
        { check: 'canonical_form' },
      );
    }
  }
  const existing = prepared.raw.signatures;
  if (existing !== undefined && existing !== null && !Array.isArray(existing)) {
    throw new MalformedInputError('agent card signatures is not an array', { check: 'card_schema' });
  }
  const jws = signDetachedJws({ kid: s.keyId, typ: 'JOSE' }, prepared.payload, s.keyPair);
  const entry: AgentCardSignature = { protected: jws.protected, signature: jws.signature };
  if (options.header) entry.header = { ...options.header };
  return { ...(prepared.raw as unknown as AgentCard), signatures: [...((existing as AgentCardSignature[] | null | undefined) ?? []), entry] };
}
