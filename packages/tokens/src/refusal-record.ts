import type { AuditRecord, Clock } from '@agent-id/core';
import { decisionRecord, verifiedAt } from './decision-record.js';
import { type VerifiedChain, type VerifyChainOptions, verifyChain } from './verify-chain.js';

export { UNVERIFIED, refusalOf } from './decision-record.js';

/** What {@link refusalRecord} records. */
export interface RefusalInput {
  /** The presented token, as received (it may be malformed). */
  token: unknown;
  /** Why the request was refused: what `authorize` (or an earlier check) threw. */
  error: unknown;
  /** The verifier's own DID. */
  verifier: string;
  /** The acting agent, when its control of its key was checked; else recorded as `unverified`. */
  agent?: string;
  /** What was asked, as the verifier received it; missing fields are recorded as `unverified`. */
  request?: { resource?: string; action?: string; task?: string };
}

/**
 * Options of {@link refusalRecord}: the trust `verifyChain` needs (used only when the
 * refusal does not come from `authorize` refusing this token), and the clock.
 */
export interface RefusalRecordOptions extends VerifyChainOptions {
  /** The record's time. Default: system clock; one giving no usable time is `bad_clock` (no record can be dated by it). */
  clock?: Clock;
}

/**
 * The audit record of a refused request, worded as every record of this package
 * (`ResourceGuard` writes the same). A refused token's chain is still worth recording,
 * but only what was verified (signatures, hop attribution, narrowing): for a token that
 * does not verify, the principal is `unverified` and the chain empty, so no field states
 * what a forger wrote. The reason quotes the refusal, which may name what the token
 * claimed (an issuer, a delegator; cut to 120 characters): for a token that did not verify
 * it says so.
 *
 * When `error` is `authorize`'s refusal of this very token, the record uses what
 * `authorize` had verified (the chain, or nothing when verification failed) and verifies
 * nothing again; otherwise (a refusal before `authorize`, such as a failed proof of
 * control) the token is verified once with `verifyChain` and `options`.
 *
 * @example
 * ```ts
 * try {
 *   await authorize(token, options);
 * } catch (error) {
 *   await auditLog.append(await refusalRecord({ token, error, verifier: myDid, agent, request }, { trustedRoots }));
 *   throw error;
 * }
 * ```
 */
export async function refusalRecord(input: RefusalInput, options: RefusalRecordOptions): Promise<AuditRecord> {
  let verified: VerifiedChain | undefined;
  if (typeof input.token === 'string') {
    const carried = verifiedAt(input.error, input.token);
    if (carried) verified = carried.verified;
    else {
      try {
        verified = await verifyChain(input.token, options);
      } catch {
        // Not verifiable: nothing from the token is recorded.
      }
    }
  }
  return decisionRecord(
    { decision: 'deny', error: input.error, verified, agent: input.agent, request: input.request, verifier: input.verifier },
    options.clock,
  );
}
