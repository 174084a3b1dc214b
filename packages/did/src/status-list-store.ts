import type { StatusPurpose } from './credential-status-entry.js';

/** One status list as an organisation keeps it. */
export interface StatusListRecord {
  /** The URL the list credential is served at (its id). */
  url: string;
  /** DID of the organisation that signs it. */
  issuer: string;
  statusPurpose: StatusPurpose;
  /** Number of entries (a multiple of 8). */
  length: number;
  /** The status bits; entry `i` is bit `7 - i % 8` of byte `i >> 3`. */
  bits: Uint8Array;
  /** Which indices were handed out, same layout. */
  allocated: Uint8Array;
  /** Incremented on every change; writes compare it (see {@link StatusListStore.write}). */
  version: number;
  /** The list credential last signed, the record version it shows, and when to sign anew (epoch ms). */
  published?: { jwt: string; version: number; refreshAt: number };
}

/**
 * Where an organisation keeps its status lists: in memory ({@link MemoryStatusListStore}), in
 * files ({@link FileStatusListStore}), or a database for a fleet of issuers. Writes are
 * compare-and-set on `version`, so two issuers never hand out one index or lose a flip.
 *
 * @example
 * ```ts
 * const store: StatusListStore = new MemoryStatusListStore();
 * ```
 */
export interface StatusListStore {
  /** The list served at `url`, or undefined. */
  read(url: string): Promise<StatusListRecord | undefined>;
  /**
   * Stores `record` if the stored version is `expectedVersion` (undefined: only if there is
   * no record yet). Resolves false, storing nothing, when another write came first.
   */
  write(record: StatusListRecord, expectedVersion: number | undefined): Promise<boolean>;
}

function copy(record: StatusListRecord): StatusListRecord {
  return { ...record, bits: record.bits.slice(), allocated: record.allocated.slice(), ...(record.published ? { published: { ...record.published } } : {}) };
}

/**
 * A {@link StatusListStore} in memory: for tests and for one process that republishes its
 * lists on start.
 *
 * @example
 * ```ts
 * const revocations = await StatusList.open({ issuer: acme, url, statusPurpose: 'revocation', store: new MemoryStatusListStore() });
 * ```
 */
export class MemoryStatusListStore implements StatusListStore {
  readonly #records = new Map<string, StatusListRecord>();

  /**
   * @example
   * ```ts
   * const record = await store.read('https://acme.example/status/revocation');
   * ```
   */
  async read(url: string): Promise<StatusListRecord | undefined> {
    const record = this.#records.get(url);
    return record && copy(record);
  }

  /**
   * @example
   * ```ts
   * const stored = await store.write(record, record.version - 1);
   * ```
   */
  async write(record: StatusListRecord, expectedVersion: number | undefined): Promise<boolean> {
    if (this.#records.get(record.url)?.version !== expectedVersion) return false;
    this.#records.set(record.url, copy(record));
    return true;
  }
}
