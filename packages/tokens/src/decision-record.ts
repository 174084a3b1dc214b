import { AgentIdError, type AuditRecord, type Clock, type ErrorCode, auditRecord } from '@agent-id/core';
import type { VerifiedChain } from './verify-chain.js';

/*
 * One audit path. Whoever decides (authorize, ResourceGuard, the CLI through
 * refusalRecord), one function turns the outcome into the audit record, so the same
 * decision reads the same in every log. A refusal by `authorize` carries what authorize
 * had verified by then, so recording it never verifies the token a second time.
 */

/** Stands in for a principal or request field nothing verified. */
export const UNVERIFIED = 'unverified';

/** An allowed request: the chain `authorize` verified and the request it decided. */
export interface AllowOutcome {
  decision: 'allow';
  verified: VerifiedChain;
  /** The presenting agent, proven to be the final holder. */
  agent: string;
  request: { resource: string; action: string };
  /** The verifier's own DID (the request's audience). */
  verifier: string;
  /** Whether biscuit-wasm's Datalog authorizer ran and agreed. */
  datalog: boolean;
  /** How many first-party checks holders appended (Biscuit check blocks' checks, Macaroon `time <` caveats) held. */
  firstPartyChecks?: number;
}

/** A refused request: why, and only what was verified of the token (undefined: nothing). */
export interface DenyOutcome {
  decision: 'deny';
  error: unknown;
  verified: VerifiedChain | undefined;
  /** The acting agent, when its control of its key was checked; else recorded as `unverified`. */
  agent?: string | undefined;
  /** What was asked; missing fields are recorded as `unverified`. */
  request?: { resource?: string | undefined; action?: string | undefined; task?: string | undefined } | undefined;
  verifier: string;
}

/** The code, check and message of a refusal (anything not coded is `internal`). */
export function refusalOf(error: unknown): { code: ErrorCode; check: string; message: string } {
  if (error instanceof AgentIdError) return { code: error.code, check: error.check, message: error.message };
  // Never String() a thrown non-Error: a hostile value (a deeply nested array, an object
  // whose toString throws) must not keep the refusal out of the record.
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error.slice(0, 200) : `a thrown ${Array.isArray(error) ? 'array' : error === null ? 'null' : typeof error}`;
  return { code: 'internal', check: 'internal', message };
}

/**
 * The audit record of a decision, allow or deny: the one wording of every record this
 * package writes. A deny names only verified principals and chain; its reason quotes the
 * refusal and says whether the token verified.
 */
export function decisionRecord(outcome: AllowOutcome | DenyOutcome, clock: Clock | undefined): AuditRecord {
  if (outcome.decision === 'allow') {
    const { verified, request } = outcome;
    const hops = verified.chain.length;
    return auditRecord(
      {
        agent: outcome.agent,
        onBehalfOf: verified.onBehalfOf,
        task: verified.task,
        action: request.action,
        resource: request.resource,
        decision: 'allow',
        reason:
          `${verified.format} chain of ${hops} hop(s) from ${verified.issuer.slice(0, 120)} verified (signatures, hop attribution, narrowing); ` +
          `revocation, holder, task, issue time, expiry, audience, action and resource checked at every hop` +
          (outcome.firstPartyChecks ? `; ${outcome.firstPartyChecks} holder-appended first-party check(s) held` : '') +
          (outcome.datalog ? '; Datalog authorizer agreed' : ''),
        verifier: outcome.verifier,
        chain: verified.chain,
      },
      clock,
    );
  }
  const { code, check, message } = refusalOf(outcome.error);
  const known = outcome.verified;
  const reason = `${check}: ${message}`;
  return auditRecord(
    {
      agent: outcome.agent ?? UNVERIFIED,
      onBehalfOf: known?.onBehalfOf ?? UNVERIFIED,
      task: outcome.request?.task ?? known?.task ?? null,
      action: outcome.request?.action ?? UNVERIFIED,
      resource: outcome.request?.resource ?? UNVERIFIED,
      decision: 'deny',
      reason: known
        ? `${reason} [token signatures and chain verified; request refused]`
        : `${reason} [token not verified: any name above is only what it claimed]`,
      code,
      verifier: outcome.verifier,
      chain: known?.chain ?? [],
    },
    clock,
  );
}

/** What `authorize` had verified of one token when it refused it. */
interface VerifiedAtRefusal {
  /** The token it refused, serialized. */
  token: string;
  /** The verified chain, or undefined when verification did not get that far. */
  verified: VerifiedChain | undefined;
}

// Kept beside the error, never on it: nothing reaches the error's JSON, string or
// properties, and only this module can read it.
const atRefusal = new WeakMap<object, VerifiedAtRefusal>();

/**
 * @internal Marks a refusal by `authorize` with what it had verified of `token` (the
 * serialized token it was refusing). Returns the error, to be thrown.
 */
export function withVerified(error: unknown, token: string | undefined, verified: VerifiedChain | undefined): unknown {
  if (token !== undefined && typeof error === 'object' && error !== null) atRefusal.set(error, { token, verified });
  return error;
}

/**
 * @internal What `authorize` had verified of `token` when it threw `error`: `{ verified }`
 * (undefined inside: nothing), or undefined when `error` carries nothing about this token
 * (not thrown by authorize, or for another token).
 */
export function verifiedAt(error: unknown, token: string): { verified: VerifiedChain | undefined } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const carried = atRefusal.get(error);
  return carried && carried.token === token ? { verified: carried.verified } : undefined;
}
