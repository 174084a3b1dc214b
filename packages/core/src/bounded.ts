function assertMax(max: number): void {
  if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('a bounded collection holds at least one entry');
}

/**
 * @internal A `Map` that holds at most `max` entries: setting a new key when it is full
 * first forgets the oldest one (insertion order; reads do not refresh). What the caches of
 * exact texts here need: memory bounded under hostile input, nothing done on a hit. To
 * refresh an entry, delete it and set it again.
 *
 * @example
 * ```ts
 * const hosts = new BoundedMap<string, string>(1024);
 * hosts.set(url, host); // the oldest of 1,024 is forgotten
 * ```
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly max: number;

  constructor(max: number) {
    assertMax(max);
    super();
    this.max = max;
  }

  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

/**
 * @internal A `Set` that holds at most `max` values: adding a new one when it is full first
 * forgets the oldest (insertion order), as {@link BoundedMap}.
 *
 * @example
 * ```ts
 * const accepted = new BoundedSet<string>(4096);
 * accepted.add(did);
 * ```
 */
export class BoundedSet<T> extends Set<T> {
  readonly max: number;

  constructor(max: number) {
    assertMax(max);
    super();
    this.max = max;
  }

  override add(value: T): this {
    if (this.size >= this.max && !this.has(value)) this.delete(this.values().next().value as T);
    return super.add(value);
  }
}
