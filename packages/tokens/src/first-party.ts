import type { CapabilityRequest } from '@agent-id/core';

/*
 * First-party checks: restrictions a holder appends to its own token with stock tools,
 * without a delegation — a Biscuit block holding only checks (appended with biscuit-wasm's
 * `appendBlock`), a Macaroon first-party caveat such as `time < 2026-12-31T00:00:00Z`
 * (appended with the macaroon library's `addFirstPartyCaveat`). They can only refuse: they
 * add no fact, no rule and no hop, so they never widen a scope and never change who holds
 * the token (the delegate of the last signed hop). Each format reads them into this shape
 * when it verifies the token; `authorize` decides every one of them after the chain's own
 * scopes, on the same facts Datalog would see.
 */

/** What a first-party check is decided on: the request and the verifier's time. */
export interface RequestFacts {
  /** Seconds since the epoch (Datalog `time`). */
  time: number;
  resource: string;
  /** Datalog `action` and, as stock Biscuit checks name it, `operation`. */
  action: string;
  audience: string;
  /** Datalog `task`, only when the request names one. */
  task?: string;
}

/** One first-party check, read from a verified token. */
export interface FirstPartyCheck {
  /** Where it is in the token: `block 3, check 0` (Biscuit), `caveat 5` (Macaroon). */
  where: string;
  /** Its text, for messages and records (display only, never re-parsed). */
  source: string;
  /**
   * Throws when the check does not hold for these facts: `denied` (check
   * `first_party_check`, or `unsupported_check` for a check outside what this verifier
   * evaluates), or `resource_limit` once the token's checks together cost more than the
   * budget allows.
   */
  decide(facts: RequestFacts, budget: CheckBudget): void;
}

/** Evaluation steps spent so far on one token's first-party checks (see `MAX_CHECK_STEPS`). */
export interface CheckBudget {
  steps: number;
}

/** The facts of a request at a time, as first-party checks see them. */
export function requestFacts(request: CapabilityRequest, nowSeconds: number): RequestFacts {
  const facts: RequestFacts = { time: nowSeconds, resource: request.resource, action: request.action, audience: request.audience };
  if (request.task !== undefined) facts.task = request.task;
  return facts;
}

/**
 * Decides every first-party check in token order; the first that does not hold refuses.
 * One budget for all of them, so neither many cheap checks nor one costly check can make
 * a token expensive to refuse.
 */
export function assertFirstPartyChecks(checks: readonly FirstPartyCheck[], facts: RequestFacts): void {
  const budget: CheckBudget = { steps: 0 };
  for (const check of checks) check.decide(facts, budget);
}

// What one compiled check holds beyond its text, at least: 150 stock-written time checks
// kept about 1.9 KiB each (V8, Node 20).
const CHECK_OVERHEAD = 2048;
const CHECK_PER_CHARACTER = 16;

/**
 * An estimate, in bytes, of the memory compiled first-party checks hold (a fixed overhead
 * each, and in proportion to their source): the weight a cache of verified chains gives
 * them, so that tokens carrying many checks cannot hold more than the cache's bound.
 */
export function checksWeight(checks: readonly FirstPartyCheck[]): number {
  let weight = 0;
  for (const check of checks) weight += CHECK_OVERHEAD + CHECK_PER_CHARACTER * check.source.length;
  return weight;
}
