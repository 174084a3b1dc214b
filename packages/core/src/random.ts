// Small draws (a key's secret, an id) come from a pool that one getRandomValues call
// fills: on Node each call costs 5–8 µs whatever its size, a copy from the pool a tenth of
// that. Bytes handed out are zeroed in the pool, so no copy of a secret stays behind.
const POOL_SIZE = 4096;
const POOLED = 64;
let pool: Uint8Array | undefined;
let taken = POOL_SIZE;

function fromPool(count: number): Uint8Array {
  if (taken + count > POOL_SIZE) {
    pool ??= new Uint8Array(POOL_SIZE);
    crypto.getRandomValues(pool);
    taken = 0;
  }
  const p = pool as Uint8Array;
  const out = p.slice(taken, taken + count);
  p.fill(0, taken, taken + count);
  taken += count;
  return out;
}

/**
 * `count` random bytes from the runtime's CSPRNG (`crypto.getRandomValues`, on every
 * runtime agent-id supports).
 * @example
 * ```ts
 * randomBytes(16);
 * ```
 */
export function randomBytes(count: number): Uint8Array {
  if (Number.isInteger(count) && count >= 0 && count <= POOLED) return fromPool(count);
  const out = new Uint8Array(count);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < count; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(count, i + 65_536)));
  return out;
}

/**
 * A random (version 4) UUID.
 * @example
 * ```ts
 * `urn:uuid:${randomUUID()}`;
 * ```
 */
export function randomUUID(): string {
  return crypto.randomUUID();
}
