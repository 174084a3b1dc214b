/**
 * @internal `value` and everything reachable from it through own enumerable members, frozen;
 * returns `value`. Byte arrays are left as they are (a typed array with elements cannot be
 * frozen), so a verdict that carries bytes keeps them out of reach another way (copies).
 * A member already frozen is not walked again, which also ends cycles.
 *
 * @example
 * ```ts
 * const verdict = deepFreeze({ chain: { hops: [{ from: 'did:web:acme.example' }] } });
 * Object.isFrozen(verdict.chain.hops[0]); // true
 * ```
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Own enumerable members, as Object.values lists them, without making that list.
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    else for (const key in value) if (Object.hasOwn(value, key)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
