/**
 * The audit log in a file (Node only: exported from `@agent-id/core/node`). The format and
 * its verification over content are in ./audit.ts, which runs anywhere.
 *
 * @module audit-log
 */
import { readFile } from 'node:fs/promises';
import { setImmediate } from 'node:timers';
import { type AuditCheckpoint, signCheckpoint } from './audit-checkpoint.js';
import { LOG_ID } from './audit-lines.js';
import { type AuditEntry, type AuditHead, type AuditLogHeader, type AuditLogReport, type AuditRecord, type AuditSink, type VerifyAuditLogOptions, AUDIT_LOG_FORMAT, auditEntryLine, checkLog, readLog, verifyAuditLinesReport } from './audit.js';
import { base64urlEncode } from './base64url.js';
import { type Clock, readClock } from './clock.js';
import { AuditChainBrokenError } from './errors.js';
import { sha256Hex } from './hash.js';
import { canonicalize } from './jcs.js';
import { isRecord } from './json.js';
import { JsonLinesWriter } from './json-lines-writer.js';
import { KeyPair, PublicKey } from './keys.js';

/** Options for {@link AuditLog.open}. */
export interface AuditLogOptions {
  /**
   * The writing service's own key. With it the log signs checkpoints
   * (`{logId, seq, headHash, time}`) into the checkpoint file: one when the log is created,
   * every `checkpointEvery` appends, every `checkpointInterval` ms while open, and on
   * `close()`. Without it no checkpoint is written.
   */
  checkpointKey?: KeyPair;
  /** The checkpoint file. Default: the log's path followed by `.checkpoints`. */
  checkpointPath?: string;
  /** Appends between checkpoints; 0 signs none by count. Default 100. */
  checkpointEvery?: number;
  /**
   * Milliseconds between timed checkpoints while the log is open (also when idle, so a
   * verifier can demand a recent one with `maxCheckpointAge`); 0 disables the timer.
   * Default 300,000 (5 minutes).
   */
  checkpointInterval?: number;
  /** Keys that signed the existing checkpoints before `checkpointKey` replaced them (key rotation). */
  previousCheckpointKeys?: readonly PublicKey[];
  /**
   * Start signing checkpoints over an existing log that has entries but no checkpoint file
   * (written without a key, or the file was lost): its current content is taken as genuine.
   * Default false: such a log is refused with `audit_chain_broken` (check
   * `checkpoint_missing`), so a service restarted after someone deleted the checkpoint file
   * and rewrote the log does not sign the forgery.
   */
  adoptExisting?: boolean;
  /**
   * The log's id: given to a new log (default: 128 random bits, base64url), and required of
   * an existing one (`audit_chain_broken`, check `log_id`). 1–128 characters of
   * `A-Z a-z 0-9 . _ : -`.
   */
  logId?: string;
  /** Time of the header and of checkpoints. Default the system clock; a clock giving no usable time is `bad_clock` at open. */
  clock?: Clock;
}

function checkCount(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return value;
}

function checkLogId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !LOG_ID.test(value)) throw new TypeError('logId must be 1 to 128 characters of A-Z a-z 0-9 . _ : -');
  return value;
}

function afterThisTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if (isRecord(e) && e.code === 'ENOENT') return undefined;
    throw e;
  }
}

interface Checkpointing {
  key: KeyPair;
  file: JsonLinesWriter;
  every: number;
}

/**
 * An append-only JSON Lines audit log whose entries are hash-chained. Line 1 is a header
 * `{"created","format","logId"}`; every later line is exactly the RFC 8785 form of
 * `{seq, prevHash, hash, record}`, where `hash` is SHA-256 over the RFC 8785 form of
 * `{seq, prevHash, record}` and the first entry's `prevHash` is the SHA-256 of the header
 * line. Appends are serialized and flushed to disk (`datasync`) before they resolve.
 *
 * With `checkpointKey` the log also signs checkpoints into `<log>.checkpoints`, one JSON
 * line each: `{"checkpoint":{"headHash","logId","seq","time"},"protected","signature"}`, a
 * detached JWS (typ `agent-id-audit-checkpoint`, kid the key's multibase) over the RFC 8785
 * bytes of `checkpoint`. What that proves, and what it cannot, is told at
 * {@link verifyAuditLog}.
 *
 * @example
 * ```ts
 * const log = await AuditLog.open('audit.jsonl', { checkpointKey: serviceKey });
 * await log.append(auditRecord({ ... }));
 * await log.close();   // signs a last checkpoint
 * ```
 */
export class AuditLog implements AuditSink {
  readonly path: string;
  /** The id in the log's header, named by every checkpoint. */
  readonly logId: string;
  #file: JsonLinesWriter;
  /** Next sequence number and head hash, counting entries accepted but not yet on disk. */
  #seq: number;
  #head: string;
  /** The newest entry on disk. */
  #durable: AuditHead;
  /** Entries accepted and waiting for the next write, with their callers. */
  #batch: { entry: AuditEntry; line: string; resolve: (entry: AuditEntry) => void; reject: (error: unknown) => void }[] = [];
  /** Set once a write failed: the in-memory chain ran ahead of the file, so no further append is possible. */
  #broken: unknown;
  #clock: Clock | undefined;
  #checkpoints: Checkpointing | undefined;
  #sinceCheckpoint = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #deferred: unknown;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, logId: string, file: JsonLinesWriter, head: AuditHead, clock: Clock | undefined) {
    this.path = path;
    this.logId = logId;
    this.#file = file;
    this.#seq = head.seq + 1;
    this.#head = head.hash;
    this.#durable = head;
    this.#clock = clock;
  }

  /**
   * Opens (or creates, owner-only) a log. An existing log is verified first, with its
   * checkpoints when `checkpointKey` is given (signed by that key or a
   * `previousCheckpointKeys` one): appending to a broken chain is refused with
   * `audit_chain_broken` (or `invalid_signature` for a forged checkpoint). A log created
   * before headers existed is refused (check `header`): start a new file.
   * @example
   * ```ts
   * const log = await AuditLog.open('/var/lib/agent/audit.jsonl', { checkpointKey: serviceKey, checkpointEvery: 100 });
   * ```
   */
  static async open(path: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    if (typeof path !== 'string' || path === '') throw new TypeError('audit log path must be a non-empty string');
    const key = options.checkpointKey;
    if (key !== undefined && !(key instanceof KeyPair)) throw new TypeError('checkpointKey must be a KeyPair');
    const every = checkCount(options.checkpointEvery, 'checkpointEvery') ?? 100;
    const interval = checkCount(options.checkpointInterval, 'checkpointInterval') ?? 300_000;
    const previous = options.previousCheckpointKeys ?? [];
    if (!Array.isArray(previous) || !previous.every((k) => k instanceof PublicKey)) throw new TypeError('previousCheckpointKeys must be PublicKeys');
    if (key === undefined) {
      for (const name of ['checkpointPath', 'checkpointEvery', 'checkpointInterval', 'previousCheckpointKeys', 'adoptExisting'] as const) {
        if (options[name] !== undefined) throw new TypeError(`${name} needs a checkpointKey`);
      }
    }
    const wantedId = checkLogId(options.logId);
    const clock = options.clock;
    // A bad clock is refused here, not at the first checkpoint a timer writes later.
    if (clock !== undefined) readClock(clock);
    const checkpointPath = options.checkpointPath ?? `${path}.checkpoints`;

    const bytes = await readIfExists(path);
    const checkpointBytes = key === undefined ? undefined : await readIfExists(checkpointPath);
    const hasCheckpoints = checkpointBytes !== undefined && checkpointBytes.length > 0;
    let log: AuditLog;
    let needsCheckpoint = false;
    if (bytes === undefined || bytes.length === 0) {
      // A new log (or one whose creation was cut off before its header was written).
      if (hasCheckpoints) {
        throw new AuditChainBrokenError(`${path} is missing or empty, but ${checkpointPath} holds checkpoints of a log: it was cut off`, { check: 'truncated' });
      }
      const header: AuditLogHeader = {
        created: new Date(readClock(clock)).toISOString(),
        format: AUDIT_LOG_FORMAT,
        logId: wantedId ?? base64urlEncode(crypto.getRandomValues(new Uint8Array(16))),
      };
      const file = await JsonLinesWriter.open(path, { serialize: canonicalize, truncateTo: 0 });
      await file.append(() => header);
      log = new AuditLog(path, header.logId, file, { seq: -1, hash: sha256Hex(canonicalize(header)) }, clock);
      needsCheckpoint = true;
    } else {
      const parsed = readLog(bytes);
      const adopt = options.adoptExisting === true || parsed.entries.length === 0;
      const report = checkLog(parsed, {
        ...(wantedId !== undefined ? { logId: wantedId } : {}),
        ...(key !== undefined && (hasCheckpoints || !adopt) ? { checkpointKey: [key.publicKey, ...previous], checkpoints: checkpointBytes ?? null } : {}),
      });
      const file = await JsonLinesWriter.open(path, { serialize: canonicalize });
      log = new AuditLog(path, report.logId, file, report.head, clock);
      needsCheckpoint = !hasCheckpoints;
    }
    if (key !== undefined) {
      log.#checkpoints = { key, file: await JsonLinesWriter.open(checkpointPath, { serialize: canonicalize }), every };
      if (needsCheckpoint) await log.checkpoint();
      if (interval > 0) {
        log.#timer = setInterval(() => {
          log.#enqueue(() => log.#writeCheckpoint()).catch((e: unknown) => {
            log.#deferred ??= e;
          });
        }, interval);
        log.#timer.unref();
      }
    }
    return log;
  }

  /** Hash of the newest entry: keep it elsewhere to detect truncation later. */
  get head(): AuditHead {
    return { ...this.#durable };
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A timed checkpoint that failed makes the next call fail (once), so it is not lost. */
  #throwDeferred(): void {
    if (this.#deferred === undefined) return;
    const e = this.#deferred;
    this.#deferred = undefined;
    throw e;
  }

  async #writeCheckpoint(): Promise<AuditCheckpoint> {
    const cp = this.#checkpoints!;
    const checkpoint = { logId: this.logId, seq: this.#durable.seq, headHash: this.#durable.hash, time: new Date(readClock(this.#clock)).toISOString() };
    const line = await cp.file.append(() => signCheckpoint(checkpoint, cp.key));
    this.#sinceCheckpoint = 0;
    return line.checkpoint;
  }

  /**
   * Appends one record; resolves once it is on disk, and, when it completes a run of
   * `checkpointEvery` appends, once that checkpoint is on disk too. The record is stored as
   * its JSON form (a `Date` becomes its ISO string, `undefined` members are dropped), and the
   * returned entry holds it in that form. If the due checkpoint cannot be written the call
   * rejects, though the entry itself is on disk.
   *
   * Group commit: the entry is chained at once, in call order; appends made while a write is
   * on its way go to disk together in the next write, with one `datasync` for all of them,
   * and each resolves only then. If a write fails, every append waiting on it rejects and so
   * does every later one (the chain in memory ran ahead of the file): open the log again.
   * @example
   * ```ts
   * const entry = await log.append(record);
   * ```
   */
  append(input: AuditRecord): Promise<AuditEntry> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    let made: { entry: AuditEntry; line: string };
    try {
      made = auditEntryLine(this.#seq, this.#head, input);
    } catch (error) {
      return Promise.reject(error);
    }
    const { entry, line } = made;
    this.#seq = entry.seq + 1;
    this.#head = entry.hash;
    return new Promise<AuditEntry>((resolve, reject) => {
      this.#batch.push({ entry, line, resolve, reject });
      // One write is queued for everything accepted until it starts. It starts once the
      // event loop has run every callback of this turn (the requests read together), not
      // at the first record's microtask: a group then holds all of them, not just the first.
      if (this.#batch.length === 1) this.#enqueue(() => afterThisTurn().then(() => this.#writeBatch())).catch(() => undefined);
    });
  }

  async #writeBatch(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    try {
      this.#throwDeferred();
      if (this.#broken !== undefined) throw this.#broken;
      await this.#file.appendLines(batch.map((b) => b.line));
    } catch (error) {
      this.#broken ??= error;
      for (const b of batch) b.reject(error);
      for (const b of this.#batch.splice(0)) b.reject(error);
      return;
    }
    const last = batch.at(-1)!.entry;
    this.#durable = { seq: last.seq, hash: last.hash };
    this.#sinceCheckpoint += batch.length;
    const cp = this.#checkpoints;
    let failure: unknown;
    if (cp !== undefined && cp.every > 0 && this.#sinceCheckpoint >= cp.every) {
      try {
        await this.#writeCheckpoint();
      } catch (error) {
        failure = error;
      }
    }
    for (const b of batch) {
      if (failure === undefined) b.resolve(b.entry);
      else b.reject(failure);
    }
  }

  /**
   * Signs a checkpoint of the current head now (after pending appends). Needs
   * `checkpointKey` (else `TypeError`).
   * @example
   * ```ts
   * const cp = await log.checkpoint(); // { logId, seq, headHash, time }
   * ```
   */
  checkpoint(): Promise<AuditCheckpoint> {
    if (this.#checkpoints === undefined) return Promise.reject(new TypeError('checkpoints need AuditLog.open(path, { checkpointKey })'));
    return this.#enqueue(async () => {
      this.#throwDeferred();
      return this.#writeCheckpoint();
    });
  }

  /**
   * Waits for pending appends, signs a last checkpoint (with `checkpointKey`) and closes
   * the files.
   * @example
   * ```ts
   * await log.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    let failure: unknown;
    if (this.#checkpoints !== undefined) {
      try {
        await this.#enqueue(() => this.#writeCheckpoint());
      } catch (e) {
        failure = e;
      }
    }
    await this.#queue;
    await this.#file.close();
    await this.#checkpoints?.file.close();
    failure ??= this.#deferred;
    this.#deferred = undefined;
    if (failure !== undefined) throw failure;
  }
}

/**
 * {@link verifyAuditLog}, returning the log's id, head and newest verified checkpoint
 * besides the entries.
 * @example
 * ```ts
 * const { head, checkpoint } = await verifyAuditLogReport('audit.jsonl', { checkpointKey: servicePublicKey });
 * console.log(`${head.seq - (checkpoint?.seq ?? -1)} entries after the newest checkpoint`);
 * ```
 */
export async function verifyAuditLogReport(path: string, options: VerifyAuditLogOptions = {}): Promise<AuditLogReport> {
  const { checkpointPath, ...rest } = options;
  const bytes = await readFile(path);
  const checkpoints = rest.checkpointKey === undefined ? undefined : await readIfExists(checkpointPath ?? `${path}.checkpoints`);
  return verifyAuditLinesReport(bytes, { ...rest, ...(checkpoints !== undefined ? { checkpoints } : {}) });
}

/**
 * Verifies an audit log and returns its entries, each holding only what its hash covers.
 * Refusals are `audit_chain_broken` with a `check` and, where one line is to blame, its
 * 1-based `line`:
 * - `parse`: a line is not JSON, not an entry, or not UTF-8; `header`: line 1 is not the
 *   log's header; `canonical_line`: a line is not exactly the RFC 8785 form of its value
 *   (a member outside `{seq, prevHash, hash, record}`, a duplicated member, extra spacing,
 *   other escapes) or the file does not end with a newline. A verified log is byte for byte
 *   what the writer wrote.
 * - `sequence`, `prev_hash`, `record_hash`: an entry was removed, inserted, reordered or
 *   edited.
 * - `head`: the log does not end at `expectedHead`; `log_id`: another log than `logId`.
 *
 * With `checkpointKey` the checkpoint file is verified as well: `checkpoint_missing` (no
 * file, or no checkpoint in it), `checkpoint_parse` (a line is malformed),
 * `invalid_signature` with check `checkpoint_signature` (a checkpoint not signed by a
 * trusted key), `checkpoint_log_id` (a checkpoint of another log), `checkpoint_order`,
 * `truncated` (the log ends before a checkpointed seq), `rewritten` (the entry at a
 * checkpointed seq has another hash) and `checkpoint_stale` (see `maxCheckpointAge`).
 *
 * What this proves against someone who can write the files but does not hold the
 * checkpoint key: every entry up to the newest checkpoint is the one the writer wrote, and
 * none of them is missing. What it cannot prove:
 * - Entries after the newest checkpoint can be cut off, and that tail can be rewritten or
 *   extended; the writer bounds this window with `checkpointEvery` and
 *   `checkpointInterval`. (A restarted writer signs whatever tail it finds, as it must
 *   after a crash.)
 * - Deleting the checkpoint file is detected only when the verifier passes
 *   `checkpointKey`, i.e. requires a checkpoint; without the key, nothing about checkpoints
 *   is checked.
 * - The checkpoint file is append-only but not itself protected against a cut: its newest
 *   lines can be removed together with the log's tail down to an older checkpoint, and the
 *   pair verifies, since it is exactly a state the writer was in. Only something kept
 *   elsewhere catches this rollback: a recent checkpoint or head (`expectedHead`), or, while
 *   the writer runs with a timer, `maxCheckpointAge`.
 * - Deleting both files (or replacing them with a new log) is visible only to someone who
 *   knows the log id (`logId`) or head from elsewhere.
 *
 * @example
 * ```ts
 * const entries = await verifyAuditLog('audit.jsonl', { checkpointKey: servicePublicKey });
 * ```
 */
export async function verifyAuditLog(path: string, options: VerifyAuditLogOptions = {}): Promise<AuditEntry[]> {
  return (await verifyAuditLogReport(path, options)).entries;
}
