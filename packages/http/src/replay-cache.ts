import { type Clock, ResourceLimitError, readClock } from '@agent-id/core';
import { sha256Text } from '@agent-id/core/internal';

/**
 * Where the proof ids (`jti`) a server accepted are kept until their proofs are too old to
 * be accepted anyway. A fleet of servers sharing one resource identifier shares one store.
 */
export interface ReplayStore {
  /**
   * Records `id` until `expiresAtMs`. True when it was not there (the proof is fresh),
   * false when it was (a replay). Of concurrent claims of one id exactly one is true.
   */
  claim(id: string, expiresAtMs: number): boolean | Promise<boolean>;
}

/** Options of {@link ReplayCache}. */
export interface ReplayCacheOptions {
  /** Most ids held at once. Default 1,000,000 (at most 32 MiB of tables, outside the JavaScript heap). */
  maxEntries?: number;
  /**
   * Ids are kept in buckets by expiry time, this many milliseconds wide; a bucket is
   * dropped whole once its last id expired, so an id may be held up to this long past
   * its expiry. A claim looks in every live bucket: keep it near a tenth of the longest
   * proof lifetime (`proofMaxAgeSec` plus the clock tolerance). Default 10,000.
   */
  bucketMs?: number;
  clock?: Clock;
}

const WORDS = 4;
// Small at first: a bucket holding few ids (spread-out expiries) costs little.
const INITIAL_SLOTS = 16;

/**
 * An open-addressing set of 128-bit digests in one typed array (4 words a slot, all zero
 * for an empty slot; digests are stored with their lowest bit set, so none is all zero).
 * Kept at most half full; grows by doubling.
 */
class DigestTable {
  words = new Uint32Array(INITIAL_SLOTS * WORDS);
  size = 0;

  #find(a: number, b: number, c: number, d: number): number {
    const words = this.words;
    const mask = words.length / WORDS - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const at = slot * WORDS;
      const w3 = words[at + 3]!;
      if (w3 === 0) return -1 - at;
      if (words[at] === a && words[at + 1] === b && words[at + 2] === c && w3 === d) return at;
    }
  }

  has(a: number, b: number, c: number, d: number): boolean {
    return this.#find(a, b, c, d) >= 0;
  }

  /** Adds a digest not in the table. */
  add(a: number, b: number, c: number, d: number): void {
    if ((this.size + 1) * 2 > this.words.length / WORDS) this.#grow();
    const at = -1 - this.#find(a, b, c, d);
    this.words[at] = a;
    this.words[at + 1] = b;
    this.words[at + 2] = c;
    this.words[at + 3] = d;
    this.size++;
  }

  #grow(): void {
    const old = this.words;
    this.words = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += WORDS) {
      if (old[at + 3] === 0) continue;
      const target = -1 - this.#find(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!);
      this.words.set(old.subarray(at, at + WORDS), target);
    }
  }
}

/**
 * A {@link ReplayStore} in memory, for one process. Each id is kept as a 128-bit digest
 * (SHA-256, truncated) in a table of the time bucket its expiry falls in, so memory per id
 * is fixed (32 bytes at most) whatever the id, and expired ids go a whole bucket at a time,
 * without a pass over the others. Bounded: when it holds `maxEntries` unexpired ids it
 * refuses (`resource_limit`, check `replay_store`) rather than forget one, which would let a
 * replay through.
 *
 * @example
 * ```ts
 * const replay = new ReplayCache({ maxEntries: 100_000 });
 * ```
 */
export class ReplayCache implements ReplayStore {
  readonly #buckets = new Map<number, DigestTable>();
  readonly #max: number;
  readonly #width: number;
  readonly #clock: Clock | undefined;
  #size = 0;
  /** When the earliest bucket held ends (ms); no bucket to drop before then. */
  #nextDrop = Number.POSITIVE_INFINITY;

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? 1_000_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('maxEntries must be a positive integer');
    const width = options.bucketMs ?? 10_000;
    if (!Number.isSafeInteger(width) || width < 1) throw new TypeError('bucketMs must be a positive integer');
    this.#max = max;
    this.#width = width;
    this.#clock = options.clock;
  }

  /** Ids held now (ids expired in a bucket not yet dropped included). */
  get size(): number {
    return this.#size;
  }

  claim(id: string, expiresAtMs: number): boolean {
    if (typeof id !== 'string') throw new TypeError('id must be a string');
    if (typeof expiresAtMs !== 'number' || !Number.isFinite(expiresAtMs)) throw new TypeError('expiresAtMs must be a finite number');
    const now = readClock(this.#clock);
    if (now >= this.#nextDrop) this.#drop(now);
    const h = sha256Text(id);
    const a = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
    const b = ((h[4]! << 24) | (h[5]! << 16) | (h[6]! << 8) | h[7]!) >>> 0;
    const c = ((h[8]! << 24) | (h[9]! << 16) | (h[10]! << 8) | h[11]!) >>> 0;
    const d = ((h[12]! << 24) | (h[13]! << 16) | (h[14]! << 8) | h[15]! | 1) >>> 0;
    for (const table of this.#buckets.values()) if (table.has(a, b, c, d)) return false;
    // Expired already: nothing to hold it for (the proof is refused as too old anyway).
    if (expiresAtMs <= now) return true;
    if (this.#size >= this.#max) throw new ResourceLimitError(`the replay store holds ${this.#max} unexpired proof ids`, { check: 'replay_store' });
    const index = Math.floor(expiresAtMs / this.#width);
    let table = this.#buckets.get(index);
    if (table === undefined) {
      table = new DigestTable();
      this.#buckets.set(index, table);
      this.#nextDrop = Math.min(this.#nextDrop, (index + 1) * this.#width);
    }
    table.add(a, b, c, d);
    this.#size++;
    return true;
  }

  #drop(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const [index, table] of this.#buckets) {
      const end = (index + 1) * this.#width;
      if (end <= now) {
        this.#buckets.delete(index);
        this.#size -= table.size;
      } else next = Math.min(next, end);
    }
    this.#nextDrop = next;
  }
}
