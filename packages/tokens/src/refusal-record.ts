import { AgentIdError, type AuditRecord, type Clock, type DelegationHop, type ErrorCode, auditRecord, systemClock } from '@agent-id/core';
import { type VerifyChainOptions, verifyChain } from './verify-chain.js';

/** Stands in for a principal or request field nothing verified. */
export const UNVERIFIED = 'unverified';

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

/** Options of {@link refusalRecord}: the trust `verifyChain` needs, and the clock. */
export interface RefusalRecordOptions extends VerifyChainOptions {
  clock?: Clock;
}

/** The code, check and message of a refusal (anything not coded is `internal`). */
export function refusalOf(error: unknown): { code: ErrorCode; check: string; message: string } {
  if (error instanceof AgentIdError) return { code: error.code, check: error.check, message: error.message };
  return { code: 'internal', check: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/**
 * The audit record of a refused request. A refused token's chain is still worth
 * recording, but only what `verifyChain` proves (signatures, hop attribution, narrowing):
 * for a token that does not verify, the principal is `unverified` and the chain empty, so
 * no field states what a forger wrote. The reason quotes the refusal, which may name what
 * the token claimed (an issuer, a delegator; cut to 120 characters): for a token that did
 * not verify it says so.
 *
 * @example
 * ```ts
 * try {
 *   await authorize(token, options);
 * } catch (error) {
 *   await auditLog.append(await refusalRecord({ token, error, verifier: myDid, agent, request }, { rootPublicKey }));
 *   throw error;
 * }
 * ```
 */
export async function refusalRecord(input: RefusalInput, options: RefusalRecordOptions): Promise<AuditRecord> {
  const { code, check, message } = refusalOf(input.error);
  let known: { onBehalfOf: string; task: string | undefined; chain: DelegationHop[] } = { onBehalfOf: UNVERIFIED, task: undefined, chain: [] };
  if (typeof input.token === 'string') {
    try {
      const verified = await verifyChain(input.token, options);
      known = { onBehalfOf: verified.onBehalfOf, task: verified.task, chain: verified.chain };
    } catch {
      // Not verifiable: nothing from the token is recorded.
    }
  }
  const reason = `${check}: ${message}`;
  return auditRecord(
    {
      agent: input.agent ?? UNVERIFIED,
      onBehalfOf: known.onBehalfOf,
      task: input.request?.task ?? known.task ?? null,
      action: input.request?.action ?? UNVERIFIED,
      resource: input.request?.resource ?? UNVERIFIED,
      decision: 'deny',
      reason:
        known.chain.length > 0
          ? `${reason} [token signatures and chain verified; request refused]`
          : `${reason} [token not verified: any name above is only what it claimed]`,
      code,
      verifier: input.verifier,
      chain: known.chain,
    },
    options.clock ?? systemClock,
  );
}
