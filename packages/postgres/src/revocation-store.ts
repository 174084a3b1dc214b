import { performance } from 'node:perf_hooks';
import { MalformedInputError, RevocationStaleError, isEpochMillis } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { type RevocationEntry, type RevocationQuery, type RevocationStore, type RevocationTarget, validRevocationTarget } from '@agent-id/tokens';
import type pg from 'pg';
import { connectClient, connectionOf, databaseError, type PostgresConnection, poolOf, quoted, schemaOf } from './connection.js';

/** Options of {@link PostgresRevocationStore.open}. */
export interface PostgresRevocationStoreOptions {
  /** The schema `migrate` created. Default `agent_id`. */
  schema?: string;
  /**
   * Follow the feed (default true): keep every revocation in memory, fed by `LISTEN`, and
   * answer `findRevoked` from it. False for a process that only revokes (the CLI):
   * `findRevoked` then refuses (`revocation_stale`).
   */
  follow?: boolean;
  /**
   * How old (ms) the newest proof that this store holds every revocation may be before
   * `findRevoked` refuses with `revocation_stale`: the bound on how long a revocation can
   * go unseen. 100 to 600,000; default 5,000.
   */
  maxStalenessMs?: number;
  /** How often (ms) the store asks the database for the feed's head, the heartbeat that proves it current. Default: a fifth of `maxStalenessMs`. */
  heartbeatMs?: number;
}

/** Options of {@link PostgresRevocationStore.revoke} and {@link PostgresRevocationStore.revokeIssuedBefore}. */
export interface PostgresRevokeOptions {
  /** Why, kept with the entry (at most 1,024 characters). */
  reason?: string;
  /** When it was recorded, epoch ms. Default now. */
  at?: number;
  /**
   * Epoch ms after which no token this entry matches can be valid any more (the revoked
   * token's expiry, or for an epoch the longest lifetime of what was issued before it):
   * {@link PostgresRevocationStore.prune} removes the entry after it. Default: kept forever.
   */
  expiresAt?: number;
}

/** A stored revocation, with its place in the feed. An epoch ("everything issued before") carries `before`. */
export type PostgresRevocationEntry = RevocationEntry & {
  /** Its position in the feed: every verifier applies revocations in this order. */
  seq: number;
  /** For "everything issued before T": T, epoch ms. */
  before?: number;
  expiresAt?: number;
};

interface Row {
  seq: string;
  kind: string;
  target: string;
  before_ms: string | null;
  revoked_at_ms: string;
  reason: string | null;
  expires_at_ms: string | null;
}

const MAX_REASON = 1024;

function entryOf(row: Row): PostgresRevocationEntry {
  const seq = Number(row.seq);
  const revokedAt = Number(row.revoked_at_ms);
  const base = row.kind === 'agent' || row.kind === 'agent_epoch' ? { kind: 'agent' as const, did: row.target } : { kind: row.kind.replace('_epoch', '') as 'token' | 'principal', id: row.target };
  const entry: PostgresRevocationEntry = { ...base, revokedAt, seq };
  if (row.reason !== null) entry.reason = row.reason;
  if (row.before_ms !== null) entry.before = Number(row.before_ms);
  if (row.expires_at_ms !== null) entry.expiresAt = Number(row.expires_at_ms);
  return entry;
}

function keyOf(kind: string, value: string): string {
  return `${kind}\u0000${value}`;
}

function checkNumber(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw new TypeError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

function checkRevokeOptions(options: unknown): PostgresRevokeOptions {
  if (!isRecord(options)) throw new TypeError('revoke options must be an object');
  const o = options as PostgresRevokeOptions;
  for (const name of ['at', 'expiresAt'] as const) {
    if (o[name] !== undefined && !isEpochMillis(o[name])) {
      throw new MalformedInputError(`revocation time \`${name}\` must be epoch milliseconds from 1970 to year 9999`, { check: name === 'at' ? 'revoked_at' : 'expires_at' });
    }
  }
  if (o.reason !== undefined) {
    if (typeof o.reason !== 'string') throw new TypeError('revocation reason must be a string');
    if (o.reason.length > MAX_REASON) throw new MalformedInputError(`revocation reason is longer than ${MAX_REASON} characters`, { check: 'reason' });
  }
  return o;
}

function checkQuery(query: unknown): RevocationQuery {
  const q = query as RevocationQuery;
  if (!isRecord(query) || !Array.isArray(q.tokenIds) || !Array.isArray(q.agents) || !Array.isArray(q.principals)) {
    throw new TypeError('revocation query must be {tokenIds, agents, principals} arrays');
  }
  if (q.hops !== undefined && !Array.isArray(q.hops)) throw new TypeError('revocation query hops must be an array');
  return q;
}

const _sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * A revocation store for a fleet of verifiers on PostgreSQL. `revoke` writes a row with the
 * next number of the feed and announces it (`NOTIFY`) in the same transaction; every
 * store that follows the feed holds all revocations in memory, fed by `LISTEN`, so
 * `findRevoked` (and `authorize`) never waits on the database. A heartbeat asks the
 * database for the feed's head every `heartbeatMs` and reads whatever this store lacks, so a
 * lost notification, a dropped connection or a restart loses nothing: the store reconnects
 * and catches up from its last number. While it cannot prove it is current — the feed
 * silent, the database paused or unreachable for longer than `maxStalenessMs` —
 * `findRevoked` refuses with `revocation_stale` (check `revocation_feed`), so a verifier
 * fails closed instead of allowing what may have been revoked.
 *
 * Besides the three targets of every store (one hop by id, an agent, a principal), it
 * revokes everything an agent or principal was issued before a time
 * ({@link PostgresRevocationStore.revokeIssuedBefore}) and prunes entries whose tokens have
 * all expired ({@link PostgresRevocationStore.prune}).
 *
 * @example
 * ```ts
 * const revocations = await PostgresRevocationStore.open('postgres://verifier@db.internal/agentid');
 * const result = await authorize(token, { trustedRoots, presenter, request, revocations }); // revoked, or revocation_stale
 * await revocations.close();
 * ```
 */
export class PostgresRevocationStore implements RevocationStore {
  readonly #connection: PostgresConnection;
  readonly #schema: string;
  readonly #channel: string;
  readonly #maxStaleness: number;
  readonly #heartbeat: number;
  readonly #follow: boolean;
  #pool: pg.Pool;
  readonly #entries = new Map<string, PostgresRevocationEntry>();
  readonly #epochs = new Map<string, PostgresRevocationEntry>();
  #seq = 0;
  /** performance.now() when a heartbeat that proved this store current was sent. */
  #freshAt = Number.NEGATIVE_INFINITY;
  #closed = false;
  #feed: pg.Client | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #catchUpWanted = false;

  private constructor(connection: PostgresConnection, schema: string, follow: boolean, maxStaleness: number, heartbeat: number) {
    this.#connection = connection;
    this.#schema = schema;
    this.#channel = `${schema}_revocations`;
    this.#follow = follow;
    this.#maxStaleness = maxStaleness;
    this.#heartbeat = heartbeat;
    this.#pool = poolOf(connection, 'agent-id revocations');
  }

  /**
   * Connects, loads every revocation and starts following the feed. Rejects with
   * `unreachable` when the first connection fails; after that the store reconnects by
   * itself, refusing with `revocation_stale` while it cannot prove it is current.
   * @example
   * ```ts
   * const store = await PostgresRevocationStore.open(process.env.DATABASE_URL, { maxStalenessMs: 3000 });
   * ```
   */
  static async open(connection?: string | PostgresConnection, options: PostgresRevocationStoreOptions = {}): Promise<PostgresRevocationStore> {
    const c = connectionOf(connection);
    if (!isRecord(options)) throw new TypeError('options must be an object');
    const schema = schemaOf(options.schema);
    const maxStaleness = checkNumber(options.maxStalenessMs, 'maxStalenessMs', 100, 600_000) ?? 5000;
    const heartbeat = checkNumber(options.heartbeatMs, 'heartbeatMs', 10, maxStaleness) ?? Math.max(10, Math.floor(maxStaleness / 5));
    if (options.follow !== undefined && typeof options.follow !== 'boolean') throw new TypeError('follow must be a boolean');
    const store = new PostgresRevocationStore(c, schema, options.follow ?? true, maxStaleness, heartbeat);
    try {
      if (store.#follow) {
        const client = await connectClient(c, 'revocation feed', 'agent-id revocation feed');
        await store.#attach(client);
        store.#loop = store.#run(client);
      } else {
        await store.#pool.query(`SELECT seq FROM ${quoted(schema)}.revocation_feed`).catch((e: unknown) => {
          throw databaseError(e, c, 'revocation store');
        });
      }
    } catch (error) {
      await store.close();
      throw databaseError(error, c, 'revocation feed');
    }
    return store;
  }

  /** The newest feed number this store has applied. */
  get sequence(): number {
    return this.#seq;
  }

  /** Whether `findRevoked` would answer now rather than refuse with `revocation_stale`. */
  get current(): boolean {
    return !this.#closed && performance.now() - this.#freshAt <= this.#maxStaleness;
  }

  /** Number of revocations held in memory. */
  get size(): number {
    return this.#entries.size + this.#epochs.size;
  }

  #apply(entry: PostgresRevocationEntry): void {
    const value = entry.kind === 'agent' ? entry.did : entry.id;
    if (entry.before !== undefined) {
      const key = keyOf(entry.kind, value);
      const known = this.#epochs.get(key);
      if (known === undefined || known.before! < entry.before) this.#epochs.set(key, entry);
    } else {
      this.#entries.set(keyOf(entry.kind, value), entry);
    }
  }

  /** LISTEN, then read everything after our number: nothing committed in between is missed. */
  async #attach(client: pg.Client): Promise<void> {
    client.on('notification', (message) => this.#onNotification(message));
    this.#feed = client;
    await client.query(`LISTEN ${quoted(this.#channel)}`);
    await this.#catchUp(client);
  }

  // Anyone who may connect may NOTIFY on any channel, so a notification is only a hint that
  // the feed moved: what it says is never applied, the store reads the table (which only
  // the service role writes) at once.
  #onNotification(message: pg.Notification): void {
    if (message.channel !== this.#channel) return;
    const seq = Number(message.payload);
    if (!Number.isSafeInteger(seq) || seq <= this.#seq) return;
    this.#catchUpWanted = true;
    this.#wake?.();
  }

  /** Reads every entry after our number and the feed's head in one statement (one snapshot); returns when this store holds them. */
  async #catchUp(client: pg.Client): Promise<void> {
    const sentAt = performance.now();
    const s = quoted(this.#schema);
    const result = await client.query<Row & { head: string }>({
      name: `agent-id-catch-up-${this.#schema}`,
      text: `SELECT f.seq AS head, r.seq, r.kind, r.target, r.before_ms, r.revoked_at_ms, r.reason, r.expires_at_ms
             FROM ${s}.revocation_feed f LEFT JOIN ${s}.revocations r ON r.seq > $1 ORDER BY r.seq`,
      values: [this.#seq],
    });
    let head = this.#seq;
    for (const row of result.rows) {
      head = Math.max(head, Number(row.head));
      if (row.seq !== null) this.#apply(entryOf(row));
    }
    this.#seq = Math.max(this.#seq, head);
    this.#freshAt = Math.max(this.#freshAt, sentAt);
  }

  async #run(first: pg.Client): Promise<void> {
    let client: pg.Client | undefined = first;
    let backoff = 50;
    while (!this.#closed) {
      try {
        if (client === undefined) {
          client = await connectClient(this.#connection, 'revocation feed', 'agent-id revocation feed');
          await this.#attach(client);
        }
        backoff = 50;
        await this.#follow_(client);
      } catch {
        // Dropped, refused or timed out: the freshness bound now runs down; reconnect.
      }
      const dead = client;
      client = undefined;
      this.#feed = undefined;
      if (dead !== undefined) void dead.end().catch(() => {});
      if (this.#closed) break;
      await this.#pause(backoff);
      backoff = Math.min(backoff * 2, 1000);
    }
  }

  /** Heartbeats until the connection fails; a heartbeat that gets no answer in time ends it. */
  async #follow_(client: pg.Client): Promise<void> {
    const lost = new Promise<never>((_, reject) => {
      client.once('error', reject);
      client.once('end', () => reject(new Error('connection ended')));
    });
    lost.catch(() => {});
    while (!this.#closed) {
      await Promise.race([this.#pause(this.#catchUpWanted ? 0 : this.#heartbeat), lost]);
      if (this.#closed) return;
      this.#catchUpWanted = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('heartbeat timed out')), Math.max(this.#maxStaleness * 2, 1000));
      });
      try {
        await Promise.race([this.#catchUp(client), lost, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /**
   * The first revocation matching the query, answered from memory. Refuses with
   * `revocation_stale` (check `revocation_feed`) when the store has not proven itself
   * current within `maxStalenessMs` (or is closed, or does not follow the feed); a known
   * revocation is reported even then. An epoch ("issued before T") matches a chain when the
   * agent made or received a hop issued before T, or the chain's first hop (the root) was
   * issued before T for a principal; without `hops` in the query it matches whenever the
   * agent or principal does.
   * @example
   * ```ts
   * store.findRevoked({ tokenIds: [id], agents: [did], principals: [user], hops });
   * ```
   */
  findRevoked(query: RevocationQuery): PostgresRevocationEntry | undefined {
    const q = checkQuery(query);
    const hit = this.#lookUp(q);
    if (hit !== undefined) return hit;
    if (!this.#follow) throw new RevocationStaleError('this revocation store does not follow the feed (opened with follow: false)');
    if (this.#closed) throw new RevocationStaleError('this revocation store is closed');
    const age = performance.now() - this.#freshAt;
    if (age > this.#maxStaleness) {
      throw new RevocationStaleError(
        Number.isFinite(age)
          ? `the revocation feed has not been confirmed for ${Math.round(age)} ms (bound ${this.#maxStaleness} ms): the database is unreachable or paused`
          : 'the revocation feed has not loaded yet',
      );
    }
    return undefined;
  }

  #lookUp(q: RevocationQuery): PostgresRevocationEntry | undefined {
    if (this.#entries.size > 0) {
      for (const id of q.tokenIds) {
        const hit = this.#entries.get(keyOf('token', id));
        if (hit) return hit;
      }
      for (const did of q.agents) {
        const hit = this.#entries.get(keyOf('agent', did));
        if (hit) return hit;
      }
      for (const id of q.principals) {
        const hit = this.#entries.get(keyOf('principal', id));
        if (hit) return hit;
      }
    }
    if (this.#epochs.size > 0) {
      const hops = q.hops;
      for (const did of q.agents) {
        const epoch = this.#epochs.get(keyOf('agent', did));
        if (epoch === undefined) continue;
        if (hops === undefined || hops.some((h) => (h.from === did || h.to === did) && !(h.issuedAt * 1000 >= epoch.before!))) return epoch;
      }
      for (const id of q.principals) {
        const epoch = this.#epochs.get(keyOf('principal', id));
        if (epoch === undefined) continue;
        const root = hops?.[0];
        if (root === undefined || !(root.issuedAt * 1000 >= epoch.before!)) return epoch;
      }
    }
    return undefined;
  }

  async #write(kind: string, target: string, before: number | null, options: PostgresRevokeOptions): Promise<PostgresRevocationEntry> {
    if (this.#closed) throw new TypeError('this revocation store is closed');
    const s = quoted(this.#schema);
    const revokedAt = options.at ?? Date.now();
    try {
      const result = await this.#pool.query<Row>({
        name: `agent-id-revoke-${this.#schema}`,
        text: `WITH next AS (UPDATE ${s}.revocation_feed SET seq = seq + 1 RETURNING seq),
               row AS (INSERT INTO ${s}.revocations (seq, kind, target, before_ms, revoked_at_ms, reason, expires_at_ms)
                       SELECT seq, $1, $2, $3, $4, $5, $6 FROM next RETURNING *)
               SELECT row.*, pg_notify($7, row.seq::text) AS notified FROM row`,
        values: [kind, target, before, revokedAt, options.reason ?? null, options.expiresAt ?? null, this.#channel],
      });
      const entry = entryOf(result.rows[0]!);
      // This process sees its own revocation at once; the feed brings it to the others.
      this.#apply(entry);
      if (entry.seq === this.#seq + 1) this.#seq = entry.seq;
      return entry;
    } catch (error) {
      throw databaseError(error, this.#connection, 'revoke');
    }
  }

  /**
   * Records a revocation and announces it to every follower; resolves once it is committed.
   * Targets are checked as every store checks them (`validRevocationTarget`).
   * @example
   * ```ts
   * await store.revoke({ kind: 'token', id: hop.revocationId }, { reason: 'task cancelled', expiresAt: tokenExpiryMs });
   * ```
   */
  async revoke(target: RevocationTarget, options: PostgresRevokeOptions = {}): Promise<PostgresRevocationEntry> {
    const valid = validRevocationTarget(target);
    const o = checkRevokeOptions(options);
    return this.#write(valid.kind, valid.kind === 'agent' ? valid.did : valid.id, null, o);
  }

  /**
   * Revokes everything an agent or a principal was issued before `before` (epoch ms): for
   * an agent, every chain in which it made or received a hop issued before then; for a
   * principal, every chain whose root was issued before then. Later tokens stay valid.
   * Hops carry their issue time in whole seconds, so a token issued within the same second
   * as `before` may be refused too (never the other way).
   * @example
   * ```ts
   * await store.revokeIssuedBefore({ kind: 'agent', did: agentDid }, Date.now(), { reason: 'key rotated' });
   * ```
   */
  async revokeIssuedBefore(target: Exclude<RevocationTarget, { kind: 'token' }>, before: number, options: PostgresRevokeOptions = {}): Promise<PostgresRevocationEntry> {
    if (!isRecord(target) || (target.kind !== 'agent' && target.kind !== 'principal')) throw new TypeError('an epoch revokes an agent {kind:"agent",did} or a principal {kind:"principal",id}');
    const valid = validRevocationTarget(target);
    if (!isEpochMillis(before)) throw new MalformedInputError('`before` must be epoch milliseconds from 1970 to year 9999', { check: 'revoked_before' });
    const o = checkRevokeOptions(options);
    return this.#write(`${valid.kind}_epoch`, valid.kind === 'agent' ? valid.did : valid.id, before, o);
  }

  /**
   * Deletes the entries whose `expiresAt` is before `now` (default the current time): no
   * token they match can be valid any more. Returns how many went. Followers keep what they
   * hold until they restart; no token needs it.
   * @example
   * ```ts
   * const removed = await store.prune();
   * ```
   */
  async prune(options: { now?: number } = {}): Promise<number> {
    if (!isRecord(options)) throw new TypeError('options must be an object');
    if (options.now !== undefined && !isEpochMillis(options.now)) throw new MalformedInputError('`now` must be epoch milliseconds from 1970 to year 9999', { check: 'now' });
    if (this.#closed) throw new TypeError('this revocation store is closed');
    try {
      const result = await this.#pool.query({
        name: `agent-id-prune-${this.#schema}`,
        text: `DELETE FROM ${quoted(this.#schema)}.revocations WHERE expires_at_ms < $1`,
        values: [options.now ?? Date.now()],
      });
      return result.rowCount ?? 0;
    } catch (error) {
      throw databaseError(error, this.#connection, 'prune');
    }
  }

  /**
   * Stops following the feed and closes the connections. Afterwards `findRevoked` refuses.
   * @example
   * ```ts
   * await store.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    const feed = this.#feed;
    if (feed !== undefined) await feed.end().catch(() => {});
    await this.#loop?.catch(() => {});
    await this.#pool.end().catch(() => {});
  }
}
