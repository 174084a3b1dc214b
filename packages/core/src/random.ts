/**
 * `count` random bytes from the runtime's CSPRNG (`crypto.getRandomValues`, on every
 * runtime agent-id supports).
 * @example
 * ```ts
 * randomBytes(16);
 * ```
 */
export function randomBytes(count: number): Uint8Array {
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
