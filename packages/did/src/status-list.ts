import { type Clock, ResourceLimitError, readClock } from '@agent-id/core';
import { type CredentialStatusEntry, STATUS_PURPOSES, type StatusPurpose } from './credential-status-entry.js';
import type { AgentIdentity } from './identity.js';
import { issueStatusListCredential } from './status-list-credential.js';
import { STATUS_LIST_MIN_LENGTH } from './status-list-encoding.js';
import { MemoryStatusListStore, type StatusListRecord, type StatusListStore } from './status-list-store.js';

/** Options for {@link StatusList.open}. */
export interface StatusListOptions {
  /** The organisation that signs the list (and the credentials pointing into it). */
  issuer: Pick<AgentIdentity, 'did' | 'keyId' | 'keyPair'>;
  /** The URL the list is served at, on the organisation's host, e.g. `https://acme.example/status/revocation`. */
  url: string;
  statusPurpose: StatusPurpose;
  /** Where the list is kept. Default a {@link MemoryStatusListStore}. */
  store?: StatusListStore;
  /** Entries of a new list, a multiple of 8, at least 131,072 (the default). */
  length?: number;
  /** Validity of each signed list credential, ms. Default 86,400,000; it is signed anew after half of it. */
  validityMs?: number;
  /** The `ttl` verifiers may cache it for, ms. Default 300,000. */
  ttlMs?: number;
  /** Time source (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

const MAX_WRITE_ATTEMPTS = 20;

function randomIndex(length: number): number {
  const limit = Math.floor(0x1_0000_0000 / length) * length;
  const word = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(word);
    if (word[0]! < limit) return word[0]! % length;
  }
}

const bitOf = (bytes: Uint8Array, i: number): boolean => ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
function setBit(bytes: Uint8Array, i: number, on: boolean): void {
  if (on) bytes[i >> 3]! |= 0x80 >> (i & 7);
  else bytes[i >> 3]! &= ~(0x80 >> (i & 7));
}

/**
 * An organisation's status list (W3C Bitstring Status List v1.0) for one purpose: hands out
 * indices at random (so an index says nothing about when or to whom a credential was issued),
 * flips bits, and signs the list credential verifiers fetch. State lives in a
 * {@link StatusListStore}; every change is a compare-and-set there, so several processes may
 * share one list. Serve it with {@link statusListHandler}.
 *
 * @example
 * ```ts
 * const revocations = await StatusList.open({ issuer: acme, url: `${origin}/status/revocation`, statusPurpose: 'revocation' });
 * const vc = await issueOwnershipCredential(acme, { agent: planner.did, status: [revocations] });
 * ```
 */
export class StatusList {
  readonly url: string;
  readonly statusPurpose: StatusPurpose;
  readonly issuer: Pick<AgentIdentity, 'did' | 'keyId' | 'keyPair'>;
  readonly #store: StatusListStore;
  readonly #validityMs: number;
  readonly #ttlMs: number;
  readonly #clock: Clock | undefined;
  // Changes from this process run one at a time; compare-and-set in the store orders them with other processes'.
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: StatusListOptions, store: StatusListStore) {
    this.url = options.url;
    this.statusPurpose = options.statusPurpose;
    this.issuer = options.issuer;
    this.#store = store;
    this.#validityMs = options.validityMs ?? 86_400_000;
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#clock = options.clock;
  }

  /**
   * Opens the list kept at `options.url` in the store, creating it (all bits clear) when absent.
   * A stored list of another issuer or purpose is a `TypeError`.
   *
   * @example
   * ```ts
   * const suspensions = await StatusList.open({ issuer: acme, url: `${origin}/status/suspension`, statusPurpose: 'suspension', store });
   * ```
   */
  static async open(options: StatusListOptions): Promise<StatusList> {
    if (typeof options?.issuer?.did !== 'string' || typeof options.issuer.keyId !== 'string') throw new TypeError('issuer must be an identity with a key');
    if (typeof options.url !== 'string' || !URL.canParse(options.url)) throw new TypeError('url must be the URL the list is served at');
    if (!STATUS_PURPOSES.includes(options.statusPurpose)) throw new TypeError('statusPurpose must be "revocation" or "suspension"');
    const length = options.length ?? STATUS_LIST_MIN_LENGTH;
    if (!Number.isSafeInteger(length) || length < STATUS_LIST_MIN_LENGTH || length % 8 !== 0 || length > 0x1_0000_0000) {
      throw new TypeError(`length must be a multiple of 8 from ${STATUS_LIST_MIN_LENGTH} to 2^32`);
    }
    if (options.clock !== undefined) readClock(options.clock);
    const store = options.store ?? new MemoryStatusListStore();
    const list = new StatusList(options, store);
    const existing = await store.read(options.url);
    if (existing) {
      if (existing.issuer !== options.issuer.did || existing.statusPurpose !== options.statusPurpose) {
        throw new TypeError(`the list stored at ${options.url} belongs to another issuer or purpose`);
      }
      return list;
    }
    const bytes = length / 8;
    const fresh: StatusListRecord = {
      url: options.url,
      issuer: options.issuer.did,
      statusPurpose: options.statusPurpose,
      length,
      bits: new Uint8Array(bytes),
      allocated: new Uint8Array(bytes),
      version: 1,
    };
    // Another process may have created it meanwhile; then it is opened as it is.
    await store.write(fresh, undefined);
    return list;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #update<T>(change: (record: StatusListRecord) => T): Promise<T> {
    return this.#serial(() => this.#tryUpdate(change));
  }

  async #tryUpdate<T>(change: (record: StatusListRecord) => T): Promise<T> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const record = await this.#read();
      const result = change(record);
      const previous = record.version;
      record.version = previous + 1;
      if (await this.#store.write(record, previous)) return result;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
    }
    throw new ResourceLimitError(`status list ${this.url}: ${MAX_WRITE_ATTEMPTS} concurrent writes in a row, giving up`, { check: 'status_list_write' });
  }

  async #read(): Promise<StatusListRecord> {
    const record = await this.#store.read(this.url);
    if (!record) throw new TypeError(`status list ${this.url} is not in the store`);
    return record;
  }

  /**
   * Hands out a free index, chosen at random, and returns the credential's status entry.
   * A full list is `resource_limit` (check `status_list_full`): open another one.
   *
   * @example
   * ```ts
   * const entry = await revocations.allocate(); // { type: 'BitstringStatusListEntry', statusListIndex: '94567', … }
   * ```
   */
  async allocate(): Promise<CredentialStatusEntry> {
    const index = await this.#update((record) => {
      let i = randomIndex(record.length);
      // Random probes first; a nearly full list falls back to a scan from a random point.
      for (let probe = 0; probe < 64 && bitOf(record.allocated, i); probe++) i = randomIndex(record.length);
      for (let n = 0; bitOf(record.allocated, i); n++) {
        if (n >= record.length) throw new ResourceLimitError(`status list ${this.url} is full`, { check: 'status_list_full' });
        i = (i + 1) % record.length;
      }
      setBit(record.allocated, i, true);
      return i;
    });
    return this.entry(index);
  }

  /**
   * The status entry for an index of this list.
   * @example
   * ```ts
   * revocations.entry(94567).statusListCredential === revocations.url; // true
   * ```
   */
  entry(index: number): CredentialStatusEntry {
    return {
      id: `${this.url}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: this.statusPurpose,
      statusListIndex: String(index),
      statusListCredential: this.url,
    };
  }

  /**
   * Sets or clears the bit at `index` and signs the list anew. Use
   * {@link revokeCredential} / {@link suspendCredential} / {@link reinstateCredential} with a
   * credential in hand.
   * @example
   * ```ts
   * await revocations.set(94567, true);
   * ```
   */
  async set(index: number, value: boolean): Promise<void> {
    if (typeof value !== 'boolean') throw new TypeError('value must be a boolean');
    await this.#update((record) => {
      if (!Number.isSafeInteger(index) || index < 0 || index >= record.length) throw new RangeError(`index must be an integer from 0 to ${record.length - 1}`);
      setBit(record.bits, index, value);
    });
    await this.credential();
  }

  /**
   * Whether the bit at `index` is set, as stored now.
   * @example
   * ```ts
   * await revocations.get(94567); // true once revoked
   * ```
   */
  async get(index: number): Promise<boolean> {
    const record = await this.#read();
    if (!Number.isSafeInteger(index) || index < 0 || index >= record.length) throw new RangeError(`index must be an integer from 0 to ${record.length - 1}`);
    return bitOf(record.bits, index);
  }

  /**
   * The signed list credential showing the current bits: the one published last while it is
   * current and in the first half of its validity, else signed anew (and stored).
   * @example
   * ```ts
   * const jwt = await revocations.credential(); // serve at revocations.url
   * ```
   */
  credential(): Promise<string> {
    return this.#serial(() => this.#publish());
  }

  async #publish(): Promise<string> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const record = await this.#read();
      const now = readClock(this.#clock);
      const published = record.published;
      if (published && published.version === record.version && now < published.refreshAt) return published.jwt;
      const jwt = await issueStatusListCredential(this.issuer, {
        id: this.url,
        statusPurpose: this.statusPurpose,
        bits: record.bits,
        validityMs: this.#validityMs,
        ttlMs: this.#ttlMs,
        clock: this.#clock,
      });
      const previous = record.version;
      record.version = previous + 1;
      record.published = { jwt, version: record.version, refreshAt: now + Math.floor(this.#validityMs / 2) };
      if (await this.#store.write(record, previous)) return jwt;
    }
    throw new ResourceLimitError(`status list ${this.url}: ${MAX_WRITE_ATTEMPTS} concurrent writes in a row, giving up`, { check: 'status_list_write' });
  }
}
