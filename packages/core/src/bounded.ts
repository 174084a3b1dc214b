function assertMax(max: number): void {
  if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('a bounded collection holds at least one entry');
}

/** What {@link InsertionOrder.shift} returns when no key is held (any value, `undefined` included, can be a key). */
const NONE: unique symbol = Symbol('none');

/**
 * The keys of a bounded collection in insertion order, its oldest found in constant time.
 * A Map's own iterator walks from the start of V8's table over every entry deleted since
 * the table was last rebuilt: in a full cache that forgets its oldest entry at every
 * insertion, thousands of them (about 5 µs per insertion at 10,000 entries).
 */
class InsertionOrder<K> {
  #queue: K[] = [];
  #head = 0;
  // How many times each key occurs in the queue from #head on: only its last occurrence
  // stands for it (a key deleted, then set again, was queued again).
  #count = new Map<K, number>();

  /** `key`, not held until now, is the newest. */
  push(key: K): void {
    this.#queue.push(key);
    this.#count.set(key, (this.#count.get(key) ?? 0) + 1);
  }

  /** Takes the oldest key that `isHeld` (passing over keys since deleted or set again); {@link NONE} if none. */
  shift(isHeld: (key: K) => boolean): K | typeof NONE {
    while (this.#head < this.#queue.length) {
      const key = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as K;
      const left = this.#count.get(key)! - 1;
      if (left === 0) this.#count.delete(key);
      else this.#count.set(key, left);
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (left === 0 && isHeld(key)) return key;
    }
    return NONE;
  }

  /** When keys deleted and set again have left more than twice `held` in the queue, starts it again from `keys` (oldest first). */
  compact(held: number, keys: () => Iterable<K>): void {
    if (this.#queue.length - this.#head <= 2 * held + 64) return;
    this.clear();
    for (const key of keys()) this.push(key);
  }

  clear(): void {
    this.#queue = [];
    this.#head = 0;
    this.#count.clear();
  }

  /** Makes room for `key`, not held by `collection`: forgets its oldest key when it holds `max`, then queues `key` as the newest. */
  admit(key: K, collection: KeyedCollection<K>, max: number): void {
    if (collection.size >= max) {
      const oldest = this.shift((k) => collection.has(k));
      if (oldest !== NONE) collection.delete(oldest);
    }
    this.compact(collection.size, () => collection.keys());
    this.push(key);
  }
}

/** What {@link InsertionOrder.admit} needs of a Map or a Set. */
interface KeyedCollection<K> {
  readonly size: number;
  has(key: K): boolean;
  delete(key: K): boolean;
  keys(): Iterable<K>;
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
  readonly #order = new InsertionOrder<K>();

  constructor(max: number) {
    assertMax(max);
    super();
    this.max = max;
  }

  override set(key: K, value: V): this {
    if (!this.has(key)) this.#order.admit(key, this, this.max);
    return super.set(key, value);
  }

  override clear(): void {
    super.clear();
    this.#order.clear();
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
  readonly #order = new InsertionOrder<T>();

  constructor(max: number) {
    assertMax(max);
    super();
    this.max = max;
  }

  override add(value: T): this {
    if (!this.has(value)) this.#order.admit(value, this, this.max);
    return super.add(value);
  }

  override clear(): void {
    super.clear();
    this.#order.clear();
  }
}

/**
 * @internal A map bounded by its number of entries and by their total weight (the bytes or
 * characters an entry keeps, as the caller counts them): setting an entry first forgets the
 * oldest ones (insertion order; reads do not refresh) until both bounds hold with it. An
 * entry heavier than `maxEntryWeight` is not kept at all (and any older entry under its
 * key is forgotten), so one huge value cannot empty the map. For caches whose values are
 * copies of hostile input of any size.
 *
 * @example
 * ```ts
 * const seen = new WeightedMap<string, Uint8Array>(10_000, 16 * 1024 * 1024, 256 * 1024);
 * seen.set(id, bytes, bytes.length); // false when too heavy to keep
 * ```
 */
export class WeightedMap<K, V> {
  readonly maxEntries: number;
  readonly maxWeight: number;
  readonly maxEntryWeight: number;
  readonly #entries = new Map<K, { value: V; weight: number }>();
  readonly #order = new InsertionOrder<K>();
  #weight = 0;

  constructor(maxEntries: number, maxWeight: number, maxEntryWeight: number = maxWeight) {
    assertMax(maxEntries);
    assertMax(maxWeight);
    if (!Number.isSafeInteger(maxEntryWeight) || maxEntryWeight < 0 || maxEntryWeight > maxWeight) {
      throw new TypeError('an entry may weigh at most what the whole map does');
    }
    this.maxEntries = maxEntries;
    this.maxWeight = maxWeight;
    this.maxEntryWeight = maxEntryWeight;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Total weight of the entries held. */
  get weight(): number {
    return this.#weight;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /**
   * Holds `value` under `key` as the newest entry, weighing `weight` (a non-negative
   * integer; a caller bug otherwise: TypeError). Returns whether it is kept.
   */
  set(key: K, value: V, weight: number): boolean {
    if (!Number.isSafeInteger(weight) || weight < 0) throw new TypeError('an entry weighs a non-negative integer');
    this.delete(key);
    if (weight > this.maxEntryWeight) return false;
    while (this.#entries.size >= this.maxEntries || this.#weight + weight > this.maxWeight) {
      const oldest = this.#order.shift((k) => this.#entries.has(k));
      if (oldest === NONE) break;
      this.delete(oldest);
    }
    this.#order.compact(this.#entries.size, () => this.#entries.keys());
    this.#order.push(key);
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    return true;
  }

  delete(key: K): boolean {
    const held = this.#entries.get(key);
    if (held === undefined) return false;
    this.#entries.delete(key);
    this.#weight -= held.weight;
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#order.clear();
    this.#weight = 0;
  }

  /** The keys held, oldest first. */
  keys(): IterableIterator<K> {
    return this.#entries.keys();
  }
}
