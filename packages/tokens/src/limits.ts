import { InputTooLargeError } from '@agent-id/core';

/** Limits applied to untrusted tokens before and while they are evaluated. */
export interface TokenLimits {
  /** Largest serialized token (base64url characters) accepted. Default 16,384. */
  maxTokenBytes: number;
  /** Most Biscuit blocks (authority included) or Macaroon hops accepted. Default 16. */
  maxBlocks: number;
  /** Most caveats one macaroon may carry. Default 64. */
  maxCaveats: number;
  /** Datalog: time budget per authorization or query, in microseconds. Default 50,000. */
  max_time_micro: number;
  /** Datalog: most facts generated. Default 1,000. */
  max_facts: number;
  /** Datalog: most rule iterations. Default 100. */
  max_iterations: number;
}

/**
 * The default {@link TokenLimits}.
 * @example
 * ```ts
 * await authorize(token, { ...options, limits: { ...DEFAULT_LIMITS, maxBlocks: 8 } });
 * ```
 */
export const DEFAULT_LIMITS: Readonly<TokenLimits> = Object.freeze({
  maxTokenBytes: 16_384,
  maxBlocks: 16,
  maxCaveats: 64,
  max_time_micro: 50_000,
  max_facts: 1_000,
  max_iterations: 100,
});

export function resolveLimits(partial: Partial<TokenLimits> | undefined): TokenLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`limit ${key} must be a positive integer`);
  }
  return limits;
}

export function datalogLimits(limits: TokenLimits): { max_time_micro: number; max_facts: number; max_iterations: number } {
  return { max_time_micro: limits.max_time_micro, max_facts: limits.max_facts, max_iterations: limits.max_iterations };
}

export function assertBlockCount(count: number, limits: TokenLimits): void {
  if (count > limits.maxBlocks) {
    throw new InputTooLargeError(`token has ${count} blocks, above the limit of ${limits.maxBlocks}`, { check: 'max_blocks' });
  }
}
