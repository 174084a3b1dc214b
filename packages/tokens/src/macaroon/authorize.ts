import { DeniedError, ExpiredError, InvalidSignatureError, MalformedInputError, UntrustedIssuerError } from '@agent-id/core';
import type { TokenLimits } from '../limits.js';
import type { FirstPartyCheck } from '../first-party.js';
import type { ChainRecord } from '../model.js';
import { type CapabilityToken, toToken } from '../token.js';
import type { MacaroonRootSecret } from '../roots.js';
import { parseCaveat } from './caveats.js';
import { readBinary } from './codec.js';
import { type MacaroonFields, verifyWithDischarges } from './macaroon.js';
import { tokenRootKey } from './keys.js';
import { readMacaroon, verifyMacaroonChain } from './read.js';

/** A discharge's shape; returns its expiry (checked against the time only once every signature verified). */
function checkDischarge(d: MacaroonFields, index: number): number {
  if (d.location) throw new MalformedInputError(`discharge ${index} must not carry a location`, { check: 'discharge' });
  let expires: number | undefined;
  for (const c of d.caveats) {
    if (c.vid) throw new DeniedError(`discharge ${index} has its own third-party caveat, which is not supported`, { check: 'third_party' });
    const caveat = parseCaveat(c.identifier);
    if (caveat.name !== 'expires_at') throw new DeniedError(`discharge ${index} carries a ${caveat.name} caveat`, { check: 'caveat' });
    expires = Math.min(expires ?? caveat.value, caveat.value);
  }
  if (expires === undefined) throw new DeniedError(`discharge ${index} has no expiry`, { check: 'discharge_expiry' });
  return expires;
}

/**
 * Refuses the first discharge (in the order given) whose expiry has passed: `expired`,
 * check `discharge_expiry`. Decided after the token and its discharges verified.
 */
export function assertDischargesLive(expiries: readonly number[], nowSeconds: number): void {
  expiries.forEach((expires, index) => {
    if (nowSeconds >= expires) throw new ExpiredError(`discharge ${index} expired at ${new Date(expires * 1000).toISOString()}`, { check: 'discharge_expiry' });
  });
}

export function evaluateMacaroon(
  token: CapabilityToken,
  secrets: readonly MacaroonRootSecret[],
  discharges: readonly (CapabilityToken | string)[],
  limits: TokenLimits,
): { chain: ChainRecord; revocationIds: string[]; checks: FirstPartyCheck[]; dischargeExpiries: number[] } {
  const bytes = token.toBytes();
  const read = readMacaroon(readBinary(bytes), limits);
  const root = secrets.find((s) => s.id === read.identifier.kid);
  if (!root) throw new InvalidSignatureError('no trusted root secret has the id this macaroon names', { check: 'root_key' });
  if (root.issuer !== undefined && root.issuer !== read.chain.issuer) {
    throw new UntrustedIssuerError(`root secret ${root.id.slice(0, 60)} does not speak for issuer ${read.chain.issuer.slice(0, 120)}`, { check: 'root_issuer' });
  }
  const rootKey = tokenRootKey(root.secret, read.identifier.tid);
  verifyMacaroonChain(read, rootKey);
  if (discharges.length > limits.maxBlocks) throw new MalformedInputError(`more than ${limits.maxBlocks} discharges`, { check: 'discharge' });
  const dischargeExpiries: number[] = [];
  if (read.thirdParty.length > 0 || discharges.length > 0) {
    const dms = discharges.map((d, i) => {
      const m = readBinary(toToken(d, limits.maxTokenChars).toBytes(), `discharge ${i}`);
      dischargeExpiries.push(checkDischarge(m, i));
      return m;
    });
    // Discharges need the caveat keys sealed in each caveat's vid.
    verifyWithDischarges(read.macaroon, rootKey, dms);
  }
  return { chain: read.chain, revocationIds: read.chain.hops.map((h) => h.revocationId), checks: read.checks, dischargeExpiries };
}
