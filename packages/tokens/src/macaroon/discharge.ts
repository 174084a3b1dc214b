import { DeniedError, MalformedInputError, SCOPE_LIMITS, base64urlDecode, base64urlEncode } from '@agent-id/core';
import { CapabilityToken, toToken } from '../token.js';
import { formatCaveat, parseThirdPartyId } from './caveats.js';
import { exportBinary, importBinary } from './codec.js';
import { caveatRootKey } from './keys.js';
import { addFirstPartyCaveat, boundSignature, newMacaroon } from './macaroon.js';

/**
 * A third-party caveat to add: the token is only usable together with a discharge
 * macaroon from the organisation at `location`, which shares `secret` with the issuer.
 */
export interface ThirdPartyCaveatSpec {
  /** Where the discharger is found (for the holder; verified against the caveat id). */
  location: string;
  /** Id of the secret shared with the third party. */
  keyId: string;
  /** The secret shared with the third party (at least 32 bytes). */
  secret: Uint8Array;
  /** What the third party must confirm, e.g. `delegation-live`. */
  condition: string;
}

/** A third-party caveat as the holder sees it. */
export interface ThirdPartyCaveatInfo {
  location: string;
  keyId: string;
  condition: string;
  /** The caveat id to send to the discharger (base64url). */
  caveatId: string;
}

/** Options of {@link dischargeThirdPartyCaveat}, used by the third party. */
export interface DischargeOptions {
  /** The secret this organisation shares with the issuer, and its id. */
  keyId: string;
  secret: Uint8Array;
  /** Expiry of the confirmation (seconds since the epoch); keep it short. */
  expiresAt: number;
  /**
   * Decides whether to confirm, e.g. whether the delegation is still live. Return false
   * (or throw) to refuse.
   */
  confirm: (caveat: ThirdPartyCaveatInfo) => boolean | Promise<boolean>;
}

/**
 * The third party's side of a third-party caveat: checks the condition with `confirm`
 * and returns a discharge macaroon that expires at `expiresAt`. The holder then binds it
 * to the token it presents with {@link bindDischarge}.
 *
 * @example
 * ```ts
 * const discharge = await dischargeThirdPartyCaveat(caveat.caveatId, {
 *   keyId: 'partner-2026', secret: sharedSecret, expiresAt: now + 60,
 *   confirm: async (c) => c.condition === 'delegation-live' && (await isLive(c)),
 * });
 * ```
 */
export async function dischargeThirdPartyCaveat(caveatId: string, options: DischargeOptions): Promise<CapabilityToken> {
  if (typeof caveatId !== 'string' || caveatId.length > 8192) throw new MalformedInputError('caveat id must be a base64url string', { check: 'parse' });
  const idBytes = base64urlDecode(caveatId, 'caveat id');
  const id = parseThirdPartyId(idBytes);
  if (id.kid !== options.keyId) throw new DeniedError(`caveat is for key ${id.kid.slice(0, 64)}, not ${options.keyId.slice(0, 64)}`, { check: 'third_party_key' });
  if (!Number.isSafeInteger(options.expiresAt) || options.expiresAt < 0 || options.expiresAt > SCOPE_LIMITS.maxExpiresAt) throw new TypeError('expiresAt must be whole seconds since the epoch');
  const info: ThirdPartyCaveatInfo = { location: id.location, keyId: id.kid, condition: id.condition, caveatId };
  let confirmed = false;
  try {
    confirmed = (await options.confirm(info)) === true;
  } catch (cause) {
    throw new DeniedError('the third party refused to confirm the caveat', { check: 'third_party', cause });
  }
  if (!confirmed) throw new DeniedError('the third party refused to confirm the caveat', { check: 'third_party' });
  const m = newMacaroon(idBytes, caveatRootKey(options.secret, id.nonce));
  addFirstPartyCaveat(m, formatCaveat({ name: 'expires_at', value: options.expiresAt }));
  return CapabilityToken.fromBytes('macaroon', exportBinary(m));
}

/**
 * Binds a discharge to the exact token being presented (after its last attenuation).
 * Keep the unbound discharge: binding again to a further-attenuated token needs it.
 *
 * @example
 * ```ts
 * const bound = bindDischarge(myToken, discharge);
 * await authorize(myToken, { ...options, discharges: [bound] });
 * ```
 */
export function bindDischarge(token: CapabilityToken | string, discharge: CapabilityToken | string): CapabilityToken {
  const primary = importBinary(toToken(token, 16_384).toBytes());
  const d = importBinary(toToken(discharge, 16_384).toBytes(), 'discharge');
  return CapabilityToken.fromBytes('macaroon', exportBinary({ ...d, signature: boundSignature(primary.signature, d.signature) }));
}

export function describeThirdParty(id: { condition: string; kid: string; location: string; caveatId: Uint8Array }): ThirdPartyCaveatInfo {
  return { location: id.location, keyId: id.kid, condition: id.condition, caveatId: base64urlEncode(id.caveatId) };
}
