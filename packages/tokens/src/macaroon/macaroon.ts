import { DeniedError, InvalidSignatureError, MalformedInputError } from '@agent-id/core';
import { equalBytes, randomBytes, utf8ToBytes } from '@agent-id/core/internal';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { derivedKey, firstPartyStep, initialSignature, signatureFromKey, thirdPartyStep } from './keys.js';

/*
 * Macaroons as libmacaroons and the `macaroon` npm package (3.0.4) make and verify them: an
 * HMAC-SHA256 chain over the identifier and each caveat; a third-party caveat carries its
 * verification id, the caveat's root key (derived with the "macaroons-key-generator" HMAC)
 * sealed with NaCl's secretbox (XSalsa20-Poly1305) under the signature so far, after a
 * random 24-byte nonce; a discharge is bound to the macaroon it is presented with by HMACs
 * under a zero key. Interoperability with the `macaroon` package is tested both ways.
 */

/** A caveat as the v2 binary form carries it. */
export interface MacaroonCaveat {
  identifier: Uint8Array;
  location?: string;
  /** Third-party caveats only: the sealed caveat key. */
  vid?: Uint8Array;
}

/** A macaroon's fields, as made here or read by `readBinary`. */
export interface MacaroonFields {
  readonly location: string;
  readonly identifier: Uint8Array;
  readonly caveats: readonly MacaroonCaveat[];
  readonly signature: Uint8Array;
}

/** A macaroon being written: caveats appended advance its signature. */
export interface MacaroonDraft extends MacaroonFields {
  caveats: MacaroonCaveat[];
  signature: Uint8Array;
}

const NONCE_BYTES = 24;
const ZERO_KEY = new Uint8Array(32);
const bytesOf = (value: Uint8Array | string) => (typeof value === 'string' ? utf8ToBytes(value) : value);

/** A new macaroon (no location) under `rootKey`. */
export function newMacaroon(identifier: Uint8Array | string, rootKey: Uint8Array): MacaroonDraft {
  const id = bytesOf(identifier);
  return { location: '', identifier: id, caveats: [], signature: initialSignature(rootKey, id) };
}

/** Appends a caveat the target service checks. */
export function addFirstPartyCaveat(m: MacaroonDraft, caveat: Uint8Array | string): void {
  const identifier = bytesOf(caveat);
  m.caveats.push({ identifier });
  m.signature = firstPartyStep(m.signature, identifier);
}

/** Appends a caveat a third party discharges, sharing `caveatRootKey` with it (the id must let it find that key). */
export function addThirdPartyCaveat(m: MacaroonDraft, caveatRootKey: Uint8Array, caveatId: Uint8Array | string, location: string): void {
  const identifier = bytesOf(caveatId);
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = xsalsa20poly1305(m.signature, nonce).encrypt(derivedKey(caveatRootKey));
  const vid = new Uint8Array(NONCE_BYTES + sealed.length);
  vid.set(nonce, 0);
  vid.set(sealed, NONCE_BYTES);
  m.caveats.push({ identifier, vid, location });
  m.signature = thirdPartyStep(m.signature, vid, identifier);
}

/** The signature a discharge has once bound to the macaroon whose signature is `rootSignature`. */
export function boundSignature(rootSignature: Uint8Array, dischargeSignature: Uint8Array): Uint8Array {
  if (equalBytes(rootSignature, dischargeSignature)) return rootSignature;
  return thirdPartyStep(ZERO_KEY, rootSignature, dischargeSignature);
}

function openVid(signature: Uint8Array, vid: Uint8Array): Uint8Array | undefined {
  if (vid.length < NONCE_BYTES + 16) return undefined;
  try {
    return xsalsa20poly1305(signature, vid.subarray(0, NONCE_BYTES)).decrypt(vid.subarray(NONCE_BYTES));
  } catch {
    return undefined;
  }
}

/**
 * Verifies a macaroon with its discharges: its signature chain under `rootKey`, each
 * third-party caveat discharged by exactly one of `discharges` (found by caveat id, its
 * chain verified under the key sealed in the caveat and bound to this macaroon), and every
 * discharge used once. First-party caveats are not decided here. Throws `denied` (check
 * `third_party`) for an undischarged caveat, `malformed_input` (check `discharge`) for a
 * discharge used twice or not at all, and `invalid_signature` (check
 * `discharge_signature`) when a chain does not verify.
 */
export function verifyWithDischarges(m: MacaroonFields, rootKey: Uint8Array, discharges: readonly MacaroonFields[]): void {
  const used = discharges.map(() => 0);
  verifyChainOf(m, m.signature, derivedKey(rootKey), discharges, used);
  used.forEach((count, i) => {
    if (count !== 1) throw new MalformedInputError(`discharge ${i} does not belong to this token`, { check: 'discharge' });
  });
}

function verifyChainOf(m: MacaroonFields, rootSignature: Uint8Array, key: Uint8Array, discharges: readonly MacaroonFields[], used: number[]): void {
  let signature = signatureFromKey(key, m.identifier);
  for (const caveat of m.caveats) {
    if (caveat.vid === undefined) {
      signature = firstPartyStep(signature, caveat.identifier);
      continue;
    }
    const caveatKey = openVid(signature, caveat.vid);
    if (caveatKey === undefined) throw new InvalidSignatureError('a third-party caveat key does not open: the token was tampered with', { check: 'discharge_signature' });
    const index = discharges.findIndex((d) => equalBytes(d.identifier, caveat.identifier));
    if (index < 0) throw new DeniedError('a third-party caveat is not discharged', { check: 'third_party' });
    // Counted before its own chain is verified: a discharge naming itself cannot recurse.
    used[index]!++;
    if (used[index]! > 1) throw new MalformedInputError(`discharge ${index} is used more than once`, { check: 'discharge' });
    verifyChainOf(discharges[index]!, rootSignature, caveatKey, discharges, used);
    signature = thirdPartyStep(signature, caveat.vid, caveat.identifier);
  }
  if (!equalBytes(boundSignature(rootSignature, signature), m.signature)) {
    throw new InvalidSignatureError('a discharge macaroon does not verify (not bound to this token, or tampered)', { check: 'discharge_signature' });
  }
}
