import { AuditChainBrokenError, type AuditCheckpoint, type AuditEntry, type AuditHead, type AuditRecord, type AuditSink, type Clock, KeyPair, PublicKey, canonicalize, readClock, verifyAuditLinesReport } from '@agent-id/core';
import { LOG_ID, auditEntryLine, auditHeaderLine, isRecord, sha256Hex, signCheckpoint } from '@agent-id/core/internal';
import type pg from 'pg';
import { connectClient, connectionOf, databaseError, type PostgresConnection, quoted, schemaOf } from './connection.js';
import { readAuditLog } from './read-audit.js';

/** Options of {@link PostgresAuditSink.open}. */
export interface PostgresAuditSinkOptions {
  /**
   * This writer's log: one hash chain per writer, named by it (1–128 characters of
   * `A-Z a-z 0-9 . _ : -`, e.g. the service's host name). One process at a time may write
   * it (`audit_chain_broken`, check `writer_busy`, for a second one).
   */
  logId: string;
  /** The schema `migrate` created. Default `agent_id`. */
  schema?: string;
  /** Signs checkpoints, exactly as `AuditLog.open`'s option: at creation, every `checkpointEvery` appends, every `checkpointInterval` ms, on close. */
  checkpointKey?: KeyPair;
  /** Appends between checkpoints; 0 signs none by count. Default 100. */
  checkpointEvery?: number;
  /** Milliseconds between timed checkpoints; 0 disables the timer. Default 300,000. */
  checkpointInterval?: number;
  /** Keys that signed existing checkpoints before `checkpointKey` replaced them. */
  previousCheckpointKeys?: readonly PublicKey[];
  /** Take an existing log without checkpoints as genuine and start signing it (see `AuditLog.open`). Default false. */
  adoptExisting?: boolean;
  /** Time of the header and of checkpoints. Default the system clock. */
  clock?: Clock;
  /** Records at most in one transaction (group commit). Default 512. */
  maxBatch?: number;
}

interface Pending {
  record: AuditRecord;
  resolve: (entry: AuditEntry) => void;
  reject: (error: unknown) => void;
}

function checkCount(value: unknown, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new TypeError(`${name} must be an integer of at least ${min}`);
  return value;
}

/**
 * An audit sink on PostgreSQL: the file log's hash chain and signed checkpoints, one chain
 * per writer (`logId`), in append-only tables (a trigger refuses `UPDATE`, `DELETE` and
 * `TRUNCATE`; `migrate`'s `serviceRole` may only read and insert). Every entry is stored as
 * the very line `AuditLog` would write, hashed by core's code, so
 * {@link exportPostgresAuditLog} gives a file `verifyAuditLog` accepts. Concurrent appends
 * share one transaction (group commit); each resolves once its entry is committed, and,
 * when it completes a run of `checkpointEvery`, once that checkpoint is committed too.
 *
 * @example
 * ```ts
 * const audit = await PostgresAuditSink.open(process.env.DATABASE_URL, { logId: 'files-1', checkpointKey: serviceKey });
 * await audit.append(result.record);
 * await audit.close();
 * ```
 */
export class PostgresAuditSink implements AuditSink {
  /** This writer's log id. */
  readonly logId: string;
  readonly #connection: PostgresConnection;
  readonly #schema: string;
  readonly #client: pg.Client;
  readonly #clock: Clock | undefined;
  readonly #maxBatch: number;
  #key: KeyPair | undefined;
  #every = 0;
  #seq: number;
  #head: string;
  #sinceCheckpoint = 0;
  #pending: Pending[] = [];
  #running: Promise<void> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  #reload = false;
  #deferred: unknown;
  #closed = false;

  private constructor(logId: string, connection: PostgresConnection, schema: string, client: pg.Client, head: AuditHead, clock: Clock | undefined, maxBatch: number) {
    this.logId = logId;
    this.#connection = connection;
    this.#schema = schema;
    this.#client = client;
    this.#seq = head.seq + 1;
    this.#head = head.hash;
    this.#clock = clock;
    this.#maxBatch = maxBatch;
  }

  /**
   * Opens (or creates) this writer's log. An existing one is verified first, as
   * `AuditLog.open` verifies a file (with its checkpoints when `checkpointKey` is given):
   * appending to a broken chain is refused (`audit_chain_broken`).
   * @example
   * ```ts
   * const audit = await PostgresAuditSink.open({ url, ssl: { ca } }, { logId: 'files-1', checkpointKey: serviceKey, checkpointEvery: 100 });
   * ```
   */
  static async open(connection: string | PostgresConnection | undefined, options: PostgresAuditSinkOptions): Promise<PostgresAuditSink> {
    const c = connectionOf(connection);
    if (!isRecord(options)) throw new TypeError('options must be an object with a logId');
    const { logId } = options;
    if (typeof logId !== 'string' || !LOG_ID.test(logId)) throw new TypeError('logId must be 1 to 128 characters of A-Z a-z 0-9 . _ : -');
    const schema = schemaOf(options.schema);
    const key = options.checkpointKey;
    if (key !== undefined && !(key instanceof KeyPair)) throw new TypeError('checkpointKey must be a KeyPair');
    const every = checkCount(options.checkpointEvery, 'checkpointEvery') ?? 100;
    const interval = checkCount(options.checkpointInterval, 'checkpointInterval') ?? 300_000;
    const maxBatch = checkCount(options.maxBatch, 'maxBatch', 1) ?? 512;
    const previous = options.previousCheckpointKeys ?? [];
    if (!Array.isArray(previous) || !previous.every((k) => k instanceof PublicKey)) throw new TypeError('previousCheckpointKeys must be PublicKeys');
    if (key === undefined) {
      for (const name of ['checkpointEvery', 'checkpointInterval', 'previousCheckpointKeys', 'adoptExisting'] as const) {
        if (options[name] !== undefined) throw new TypeError(`${name} needs a checkpointKey`);
      }
    }
    if (options.clock !== undefined) readClock(options.clock);
    const client = await connectClient(c, 'audit sink', 'agent-id audit');
    const s = quoted(schema);
    let sink: PostgresAuditSink;
    let needsCheckpoint = false;
    try {
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [`agent-id audit ${schema} ${logId}`]);
      if (lock.rows[0]?.ok !== true) {
        throw new AuditChainBrokenError(`audit log ${logId} is being written by another process: two writers would fork its chain`, { check: 'writer_busy' });
      }
      const existing = await readAuditLog(client, schema, logId);
      let head: AuditHead;
      if (existing === undefined) {
        const header = auditHeaderLine(logId, new Date(readClock(options.clock)).toISOString());
        await client.query(`INSERT INTO ${s}.audit_logs (log_id, header) VALUES ($1, $2)`, [logId, header.line]);
        head = { seq: -1, hash: header.hash };
        needsCheckpoint = true;
      } else {
        const hasCheckpoints = existing.checkpoints.length > 0;
        const adopt = options.adoptExisting === true || existing.log.indexOf('\n') === existing.log.length - 1;
        const report = verifyAuditLinesReport(existing.log, {
          logId,
          ...(key !== undefined && (hasCheckpoints || !adopt) ? { checkpointKey: [key.publicKey, ...previous], checkpoints: existing.checkpoints || null } : {}),
        });
        head = report.head;
        needsCheckpoint = !hasCheckpoints;
      }
      sink = new PostgresAuditSink(logId, c, schema, client, head, options.clock, maxBatch);
      if (key !== undefined) {
        sink.#key = key;
        sink.#every = every;
        if (needsCheckpoint) await sink.checkpoint();
        if (interval > 0) {
          sink.#timer = setInterval(() => {
            sink.#enqueue(() => sink.#writeCheckpoint()).catch((e: unknown) => {
              sink.#deferred ??= e;
            });
          }, interval);
          sink.#timer.unref();
        }
      }
    } catch (error) {
      await client.end().catch(() => {});
      throw databaseError(error, c, 'audit sink');
    }
    return sink;
  }

  /** The newest committed entry (`seq` -1 and the header's hash for a log with none). */
  get head(): AuditHead {
    return { seq: this.#seq - 1, hash: this.#head };
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** After a failed commit the outcome is unknown: read the head back before chaining on. */
  async #reloadHead(): Promise<void> {
    if (!this.#reload) return;
    const s = quoted(this.#schema);
    const last = await this.#client.query<{ line: string }>(`SELECT line FROM ${s}.audit_entries WHERE log_id = $1 ORDER BY seq DESC LIMIT 1`, [this.logId]);
    const row = last.rows[0];
    if (row === undefined) {
      const header = await this.#client.query<{ header: string }>(`SELECT header FROM ${s}.audit_logs WHERE log_id = $1`, [this.logId]);
      this.#seq = 0;
      this.#head = sha256Hex(header.rows[0]?.header ?? '');
    } else {
      const entry = JSON.parse(row.line) as AuditEntry;
      this.#seq = entry.seq + 1;
      this.#head = entry.hash;
    }
    this.#reload = false;
  }

  #signed(): { line: string; checkpoint: AuditCheckpoint } {
    const checkpoint = { logId: this.logId, seq: this.#seq - 1, headHash: this.#head, time: new Date(readClock(this.#clock)).toISOString() };
    const line = signCheckpoint(checkpoint, this.#key!);
    return { line: canonicalize(line), checkpoint: line.checkpoint };
  }

  async #transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.#client.query('BEGIN');
    try {
      const value = await work();
      await this.#client.query('COMMIT');
      return value;
    } catch (error) {
      this.#reload = true;
      await this.#client.query('ROLLBACK').catch(() => {});
      throw databaseError(error, this.#connection, 'audit append');
    }
  }

  async #insertCheckpoint(line: string): Promise<void> {
    await this.#client.query({
      name: `agent-id-audit-checkpoint-${this.#schema}`,
      text: `INSERT INTO ${quoted(this.#schema)}.audit_checkpoints (log_id, line) VALUES ($1, $2)`,
      values: [this.logId, line],
    });
  }

  async #writeCheckpoint(): Promise<AuditCheckpoint> {
    await this.#reloadHead();
    const signed = this.#signed();
    await this.#transaction(() => this.#insertCheckpoint(signed.line));
    this.#sinceCheckpoint = 0;
    return signed.checkpoint;
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        await this.#enqueue(async () => {
          if (this.#deferred !== undefined) {
            const e = this.#deferred;
            this.#deferred = undefined;
            throw e;
          }
          await this.#reloadHead();
          let seq = this.#seq;
          let head = this.#head;
          // A record that cannot be stored (a cycle, a value JSON cannot carry) fails its own
          // append, not the others committed with it.
          const made: { entry: AuditEntry; line: string; p: Pending }[] = [];
          for (const p of batch) {
            try {
              const { entry, line } = auditEntryLine(seq, head, p.record);
              // A Date's JSON form is a string: such an entry would break the chain for good.
              if (!isRecord(entry.record)) throw new TypeError('an audit record must be an object whose JSON form is an object');
              made.push({ entry, line, p });
              seq += 1;
              head = entry.hash;
            } catch (error) {
              // A cycle overflows the stack in the record's walk: a caller's bug, said so.
              p.reject(error instanceof RangeError ? new TypeError('an audit record must be JSON data without cycles', { cause: error }) : error);
            }
          }
          if (made.length === 0) return;
          const due = this.#key !== undefined && this.#every > 0 && this.#sinceCheckpoint + made.length >= this.#every;
          await this.#transaction(async () => {
            await this.#client.query({
              name: `agent-id-audit-append-${this.#schema}`,
              text: `INSERT INTO ${quoted(this.#schema)}.audit_entries (log_id, seq, line) SELECT $1, * FROM unnest($2::bigint[], $3::text[])`,
              values: [this.logId, made.map((m) => m.entry.seq), made.map((m) => m.line)],
            });
            if (due) {
              const checkpoint = { logId: this.logId, seq: seq - 1, headHash: head, time: new Date(readClock(this.#clock)).toISOString() };
              await this.#insertCheckpoint(canonicalize(signCheckpoint(checkpoint, this.#key!)));
            }
          });
          this.#seq = seq;
          this.#head = head;
          this.#sinceCheckpoint = due ? 0 : this.#sinceCheckpoint + made.length;
          for (const m of made) m.p.resolve(m.entry);
        });
      } catch (error) {
        // Settled ones ignore it.
        for (const p of batch) p.reject(error);
      }
    }
  }

  /**
   * Appends one record to this writer's chain; resolves once it is committed (with the
   * appends made meanwhile, in one transaction). If the commit fails the call rejects
   * (`unreachable`), and the next append reads the head back first, so the chain stays
   * whole whichever way that commit went.
   * @example
   * ```ts
   * const entry = await audit.append(result.record);
   * ```
   */
  append(record: AuditRecord): Promise<AuditEntry> {
    if (!isRecord(record)) return Promise.reject(new TypeError('an audit record must be an object'));
    if (this.#closed) return Promise.reject(new TypeError('this audit sink is closed'));
    return new Promise<AuditEntry>((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
      this.#running ??= Promise.resolve()
        .then(() => this.#flush())
        .finally(() => {
          this.#running = undefined;
          if (this.#pending.length > 0) void this.#kick();
        });
    });
  }

  #kick(): Promise<void> {
    this.#running ??= this.#flush().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * Signs a checkpoint of the current head now (after pending appends). Needs `checkpointKey` (else `TypeError`).
   * @example
   * ```ts
   * const cp = await audit.checkpoint();
   * ```
   */
  async checkpoint(): Promise<AuditCheckpoint> {
    if (this.#key === undefined) throw new TypeError('checkpoints need PostgresAuditSink.open(connection, { checkpointKey })');
    await this.#running;
    return this.#enqueue(() => this.#writeCheckpoint());
  }

  /**
   * Waits for pending appends, signs a last checkpoint (with `checkpointKey`) and closes the connection.
   * @example
   * ```ts
   * await audit.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    let failure: unknown;
    await this.#running;
    if (this.#key !== undefined) {
      try {
        await this.#enqueue(() => this.#writeCheckpoint());
      } catch (e) {
        failure = e;
      }
    }
    await this.#queue;
    await this.#client.end().catch(() => {});
    failure ??= this.#deferred;
    this.#deferred = undefined;
    if (failure !== undefined) throw failure;
  }
}
