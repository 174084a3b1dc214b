import { InputTooLargeError } from '@agent-id/core';

/** Limits applied to untrusted tokens before and while they are evaluated. */
export interface TokenLimits {
  /** Largest serialized token (base64url characters) accepted. Default 16,384. */
  maxTokenChars: number;
  /** Most Biscuit blocks (authority included) or Macaroon hops accepted. Default 16. */
  maxBlocks: number;
  /** Most caveats one macaroon may carry. Default 64. */
  maxCaveats: number;
  /** Datalog: time budget per authorization or query, in microseconds. Default 50,000. */
  maxDatalogMicros: number;
  /** Datalog: most facts generated. Default 1,000. */
  maxDatalogFacts: number;
  /** Datalog: most rule iterations. Default 100. */
  maxDatalogIterations: number;
}

/**
 * The default {@link TokenLimits}.
 * @example
 * ```ts
 * await authorize(token, { ...options, limits: { ...DEFAULT_LIMITS, maxBlocks: 8 } });
 * ```
 */
export const DEFAULT_LIMITS: Readonly<TokenLimits> = Object.freeze({
  maxTokenChars: 16_384,
  maxBlocks: 16,
  maxCaveats: 64,
  maxDatalogMicros: 50_000,
  maxDatalogFacts: 1_000,
  maxDatalogIterations: 100,
});

export function resolveLimits(partial: Partial<TokenLimits> | undefined): Readonly<TokenLimits> {
  // The defaults themselves (frozen) when nothing is given: no copy and no check per call.
  if (partial === undefined) return DEFAULT_LIMITS;
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    // A misspelt limit (or an old name) must not be ignored while the default applies.
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) throw new TypeError(`unknown limit ${key} (the limits are ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`limit ${key} must be a positive integer`);
  }
  return limits;
}

export function datalogLimits(limits: TokenLimits): { max_time_micro: number; max_facts: number; max_iterations: number } {
  return { max_time_micro: limits.maxDatalogMicros, max_facts: limits.maxDatalogFacts, max_iterations: limits.maxDatalogIterations };
}

export function assertBlockCount(count: number, limits: TokenLimits): void {
  if (count > limits.maxBlocks) {
    throw new InputTooLargeError(`token has ${count} blocks, above the limit of ${limits.maxBlocks}`, { check: 'max_blocks' });
  }
}
