import { type Clock, ResourceLimitError, readClock } from '@agent-id/core';

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
  /** Most ids held at once. Default 1,000,000 (about 100 MB at worst). */
  maxEntries?: number;
  clock?: Clock;
}

/**
 * A {@link ReplayStore} in memory, for one process. Bounded: expired ids are swept out as
 * new ones come in; when it is full of unexpired ids it refuses (`resource_limit`, check
 * `replay_store`) rather than forget one, which would let a replay through.
 *
 * @example
 * ```ts
 * const replay = new ReplayCache({ maxEntries: 100_000 });
 * ```
 */
export class ReplayCache implements ReplayStore {
  readonly #ids = new Map<string, number>();
  readonly #max: number;
  readonly #clock: Clock | undefined;
  #claimsSinceSweep = 0;

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? 1_000_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('maxEntries must be a positive integer');
    this.#max = max;
    this.#clock = options.clock;
  }

  /** Ids held now (expired ones not yet swept included). */
  get size(): number {
    return this.#ids.size;
  }

  claim(id: string, expiresAtMs: number): boolean {
    const now = readClock(this.#clock);
    const held = this.#ids.get(id);
    if (held !== undefined && held > now) return false;
    // Sweeping costs a pass over the map: done when full, or after as many claims as a quarter of the bound.
    if (this.#ids.size >= this.#max || ++this.#claimsSinceSweep >= Math.max(1024, this.#max >> 2)) this.#sweep(now);
    if (this.#ids.size >= this.#max) throw new ResourceLimitError(`the replay store holds ${this.#max} unexpired proof ids`, { check: 'replay_store' });
    this.#ids.set(id, expiresAtMs);
    return true;
  }

  #sweep(now: number): void {
    this.#claimsSinceSweep = 0;
    for (const [id, expires] of this.#ids) if (expires <= now) this.#ids.delete(id);
  }
}
