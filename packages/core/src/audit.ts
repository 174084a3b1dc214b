import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type AuditCheckpoint, readCheckpoints, signCheckpoint } from './audit-checkpoint.js';
import { brokenAt, extraMember, HASH_HEX, isCanonicalLine, isIsoTime, LOG_ID, parseObjectLine, splitLines } from './audit-lines.js';
import { base64urlEncode } from './base64url.js';
import type { DelegationHop } from './capability.js';
import { type Clock, readClock } from './clock.js';
import { AuditChainBrokenError, type ErrorCode } from './errors.js';
import { sha256Hex } from './hash.js';
import { canonicalize } from './jcs.js';
import { isRecord } from './json.js';
import { JsonLinesWriter } from './json-lines-writer.js';
import { KeyPair, PublicKey } from './keys.js';
import { toWellFormed } from './unicode.js';

export type { AuditCheckpoint } from './audit-checkpoint.js';

/** One authorization decision, naming both principals and the whole chain. */
export interface AuditRecord {
  /** ISO 8601 time of the decision. */
  timestamp: string;
  /** DID of the agent that acted (presented the token). */
  agent: string;
  /** The user or organisation on whose behalf it acted. */
  onBehalfOf: string;
  /** Task id, or null when the request names none. */
  task: string | null;
  action: string;
  resource: string;
  decision: 'allow' | 'deny';
  /** Why: the passed checks for `allow`, the failed check for `deny`. */
  reason: string;
  /** Error code for a `deny`. */
  code?: ErrorCode;
  /** DID of the service that decided. */
  verifier?: string;
  /** Every hop from the authority to the acting agent. */
  chain: DelegationHop[];
  /** The HTTP request decided on, when the decision was made for one (method, and path without query). */
  http?: { method: string; path: string };
}

/** A stored line: the record with its position and hash links. */
export interface AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
  record: AuditRecord;
}

/** The newest entry of a log: `seq` -1 and the header's hash for a log with no entries. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** Where audit records go. */
export interface AuditSink {
  append(record: AuditRecord): Promise<AuditEntry>;
}

/** The `format` member of an audit log's header line. */
export const AUDIT_LOG_FORMAT = 'agent-id-audit-log/1';

interface AuditLogHeader {
  created: string;
  format: typeof AUDIT_LOG_FORMAT;
  logId: string;
}

// Records carry attacker-chosen strings (resource names, reasons); a lone surrogate must not
// make a refusal go unrecorded, so it is replaced by U+FFFD before hashing.
export function sanitizeStrings<T>(value: T): T {
  if (typeof value === 'string') return toWellFormed(value) as T;
  if (Array.isArray(value)) return value.map(sanitizeStrings) as T;
  if (isRecord(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [sanitizeStrings(k), sanitizeStrings(v)])) as T;
  }
  return value;
}

function entryHash(seq: number, prevHash: string, record: AuditRecord): string {
  return sha256Hex(canonicalize({ seq, prevHash, record }));
}

/** The entry for a record, holding the record exactly as its canonical line stores it. */
export function makeEntry(seq: number, prevHash: string, input: AuditRecord): AuditEntry {
  const record = JSON.parse(canonicalize(input)) as AuditRecord;
  return { seq, prevHash, hash: entryHash(seq, prevHash, record), record };
}

/**
 * What the log writer stores for one record: the entry (record sanitized and in its JSON
 * form, linked to `prevHash`) and its line, exactly as a log file holds it. For stores
 * other than the file (`@agent-id/postgres`), so every chain is hashed by this one code.
 */
export function auditEntryLine(seq: number, prevHash: string, input: AuditRecord): { entry: AuditEntry; line: string } {
  const entry = makeEntry(seq, prevHash, sanitizeStrings(input));
  return { entry, line: canonicalize(entry) };
}

/** A log's header line (line 1 of the file) and its hash, the first entry's `prevHash`. */
export function auditHeaderLine(logId: string, created: string): { line: string; hash: string } {
  if (typeof logId !== 'string' || !LOG_ID.test(logId)) throw new TypeError('logId must be 1 to 128 characters of A-Z a-z 0-9 . _ : -');
  const header: AuditLogHeader = { created, format: AUDIT_LOG_FORMAT, logId };
  const line = canonicalize(header);
  return { line, hash: sha256Hex(line) };
}

/**
 * Builds an audit record with the current time from a clock (default the system clock; one
 * giving no usable time is `bad_clock`, never an `Invalid Date` crash).
 * @example
 * ```ts
 * const rec = auditRecord({ agent, onBehalfOf: user, task, action: 'read', resource: 'db', decision: 'allow', reason: 'ok', chain });
 * ```
 */
export function auditRecord(fields: Omit<AuditRecord, 'timestamp'>, clock?: Clock): AuditRecord {
  return { timestamp: new Date(readClock(clock)).toISOString(), ...fields };
}

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
  #batch: { entry: AuditEntry; resolve: (entry: AuditEntry) => void; reject: (error: unknown) => void }[] = [];
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
        logId: wantedId ?? base64urlEncode(randomBytes(16)),
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
    const record = sanitizeStrings(input);
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    let entry: AuditEntry;
    try {
      entry = makeEntry(this.#seq, this.#head, record);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#seq = entry.seq + 1;
    this.#head = entry.hash;
    return new Promise<AuditEntry>((resolve, reject) => {
      this.#batch.push({ entry, resolve, reject });
      // One write is queued for everything accepted until it starts.
      if (this.#batch.length === 1) this.#enqueue(() => this.#writeBatch()).catch(() => undefined);
    });
  }

  async #writeBatch(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    try {
      this.#throwDeferred();
      if (this.#broken !== undefined) throw this.#broken;
      await this.#file.appendAll(batch.map((b) => b.entry));
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

/** Options for {@link verifyAuditLog}. */
export interface VerifyAuditLogOptions {
  /** The head recorded elsewhere; detects a cut or rewritten tail (check `head`). */
  expectedHead?: AuditHead;
  /** The log id the log must carry (check `log_id`), e.g. one recorded when it was created. */
  logId?: string;
  /**
   * Trusted public key(s) of the service that signs the log's checkpoints (several during a
   * key rotation). When given, the checkpoint file must exist and hold at least one
   * checkpoint, every checkpoint must be signed by one of these keys, name this log, and
   * match the log: see {@link verifyAuditLog}. Without it checkpoints are not read.
   */
  checkpointKey?: PublicKey | readonly PublicKey[];
  /** The checkpoint file. Default: the log's path followed by `.checkpoints`. */
  checkpointPath?: string;
  /**
   * Refuse when the newest checkpoint is older than this many milliseconds (check
   * `checkpoint_stale`): catches a log and checkpoint file rolled back together, while the
   * writer is running with a `checkpointInterval` below this age. Needs `checkpointKey`.
   */
  maxCheckpointAge?: number;
  /** The clock `maxCheckpointAge` is measured with. Default the system clock; read with `readClock` (`bad_clock`). */
  clock?: Clock;
}

/** Options for {@link verifyAuditLines}: the checkpoint file comes as its content. */
export interface VerifyAuditLinesOptions extends Omit<VerifyAuditLogOptions, 'checkpointPath'> {
  /** The checkpoint file's content; `null` or absent when there is no such file. */
  checkpoints?: string | Uint8Array | null;
}

/** What a verified log holds. */
export interface AuditLogReport {
  /** The log's id (from its header). */
  logId: string;
  /** When the log was created (from its header). */
  created: string;
  /** The entries, each exactly as its line stores it. */
  entries: AuditEntry[];
  /** The newest entry (`seq` -1 and the header's hash when there are none). */
  head: AuditHead;
  /** The newest checkpoint, verified; null when no `checkpointKey` was given. */
  checkpoint: AuditCheckpoint | null;
  /** How many checkpoints were verified (0 when no `checkpointKey` was given). */
  checkpoints: number;
}

interface ParsedLog {
  header: AuditLogHeader;
  headerHash: string;
  entries: AuditEntry[];
  /** Lines in the file, header included. */
  lines: number;
}

const ENTRY_MEMBERS = ['hash', 'prevHash', 'record', 'seq'] as const;
const HEADER_MEMBERS = ['created', 'format', 'logId'] as const;
const NOT_CANONICAL = 'not the RFC 8785 form the writer writes (a duplicated member, spacing, escapes or member order differ)';

function readHeader(raw: string): AuditLogHeader {
  const parsed = parseObjectLine(raw);
  if (parsed === undefined || parsed.format !== AUDIT_LOG_FORMAT) {
    throw brokenAt(1, `not an audit log header {"created","format":"${AUDIT_LOG_FORMAT}","logId"} (logs written before headers existed cannot be read: start a new file)`, 'header');
  }
  const extra = extraMember(parsed, HEADER_MEMBERS);
  if (extra !== undefined) throw brokenAt(1, `header member ${JSON.stringify(extra.slice(0, 64))} is not one the writer writes`, 'header');
  if (typeof parsed.logId !== 'string' || !LOG_ID.test(parsed.logId) || !isIsoTime(parsed.created)) {
    throw brokenAt(1, 'header needs a logId (1–128 of A-Z a-z 0-9 . _ : -) and created (ISO 8601)', 'header');
  }
  if (!isCanonicalLine(raw, parsed)) throw brokenAt(1, NOT_CANONICAL, 'canonical_line');
  return { created: parsed.created, format: AUDIT_LOG_FORMAT, logId: parsed.logId };
}

function readEntry(raw: string, line: number, seq: number, prev: string): AuditEntry {
  const parsed = parseObjectLine(raw);
  if (parsed === undefined) throw brokenAt(line, 'not a JSON object', 'parse');
  const extra = extraMember(parsed, ENTRY_MEMBERS);
  if (extra !== undefined) {
    throw brokenAt(line, `member ${JSON.stringify(extra.slice(0, 64))} is outside what the hash covers (only seq, prevHash, hash and record are)`, 'canonical_line');
  }
  if (
    typeof parsed.seq !== 'number' ||
    typeof parsed.prevHash !== 'string' ||
    !HASH_HEX.test(parsed.prevHash) ||
    typeof parsed.hash !== 'string' ||
    !HASH_HEX.test(parsed.hash) ||
    !isRecord(parsed.record)
  ) {
    throw brokenAt(line, 'not an audit entry {seq, prevHash, hash, record}', 'parse');
  }
  if (!isCanonicalLine(raw, parsed)) throw brokenAt(line, NOT_CANONICAL, 'canonical_line');
  const entry: AuditEntry = { seq: parsed.seq, prevHash: parsed.prevHash, hash: parsed.hash, record: parsed.record as unknown as AuditRecord };
  if (entry.seq !== seq) throw brokenAt(line, `sequence number ${entry.seq}, expected ${seq}`, 'sequence');
  if (entry.prevHash !== prev) throw brokenAt(line, 'previous-hash link does not match the entry before it', 'prev_hash');
  if (entryHash(entry.seq, entry.prevHash, entry.record) !== entry.hash) throw brokenAt(line, 'hash does not match the record (edited)', 'record_hash');
  return entry;
}

function readLog(input: string | Uint8Array): ParsedLog {
  const { lines, terminated } = splitLines(input, (line) => brokenAt(line, 'not valid UTF-8', 'parse'));
  const first = lines[0];
  if (first === undefined) throw brokenAt(1, 'the log is empty: it has no header line', 'header');
  const header = readHeader(first);
  const headerHash = sha256Hex(first);
  const entries: AuditEntry[] = [];
  let prev = headerHash;
  for (let i = 1; i < lines.length; i++) {
    const entry = readEntry(lines[i]!, i + 1, i - 1, prev);
    entries.push(entry);
    prev = entry.hash;
  }
  if (!terminated) throw brokenAt(lines.length, 'the last line does not end with a newline (a torn write, or an edit)', 'canonical_line');
  return { header, headerHash, entries, lines: lines.length };
}

function checkpointKeys(value: VerifyAuditLogOptions['checkpointKey']): PublicKey[] | undefined {
  if (value === undefined) return undefined;
  const keys = Array.isArray(value) ? [...(value as readonly PublicKey[])] : [value];
  if (keys.length === 0 || !keys.every((k) => k instanceof PublicKey)) throw new TypeError('checkpointKey must be a PublicKey or a non-empty array of them');
  return keys;
}

function checkpointBroken(message: string, check: string, line?: number): AuditChainBrokenError {
  if (line !== undefined) return brokenAt(line, message, check);
  return new AuditChainBrokenError(message, { check });
}

function checkLog(log: ParsedLog, options: VerifyAuditLinesOptions): AuditLogReport {
  const keys = checkpointKeys(options.checkpointKey);
  const maxAge = options.maxCheckpointAge;
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 0)) throw new TypeError('maxCheckpointAge must be a non-negative number of ms');
  if (maxAge !== undefined && keys === undefined) throw new TypeError('maxCheckpointAge needs a checkpointKey');
  const { header, headerHash, entries } = log;
  if (options.logId !== undefined && header.logId !== options.logId) {
    throw brokenAt(1, `log id is ${header.logId}, expected ${String(options.logId).slice(0, 128)}`, 'log_id');
  }
  const last = entries.at(-1);
  const head: AuditHead = last ? { seq: last.seq, hash: last.hash } : { seq: -1, hash: headerHash };
  const expected = options.expectedHead;
  if (expected && (head.seq !== expected.seq || head.hash !== expected.hash)) {
    throw brokenAt(log.lines + 1, `log ends at seq ${head.seq}, expected head seq ${String(expected.seq)}`, 'head');
  }
  const report: AuditLogReport = { logId: header.logId, created: header.created, entries, head, checkpoint: null, checkpoints: 0 };
  if (keys === undefined) return report;

  if (options.checkpoints === undefined || options.checkpoints === null) {
    throw checkpointBroken('no checkpoint file: nothing signed says where the log ends (it may have been deleted)', 'checkpoint_missing');
  }
  const checkpoints = readCheckpoints(options.checkpoints, keys);
  const newest = checkpoints.at(-1);
  if (newest === undefined) throw checkpointBroken('the checkpoint file holds no checkpoint', 'checkpoint_missing');
  checkpoints.forEach((cp, i) => {
    if (cp.logId !== header.logId) {
      throw checkpointBroken(`checkpoint file line ${i + 1}: checkpoint of log ${cp.logId}, but this log is ${header.logId}`, 'checkpoint_log_id');
    }
    const before = checkpoints[i - 1];
    if (before !== undefined && cp.seq < before.seq) {
      throw checkpointBroken(`checkpoint file line ${i + 1}: seq ${cp.seq} comes after a checkpoint at seq ${before.seq}`, 'checkpoint_order');
    }
  });
  if (newest.seq > head.seq) {
    throw brokenAt(
      log.lines + 1,
      `the log ends at seq ${head.seq}, but a checkpoint signed at ${newest.time} covers seq ${newest.seq}: entries were cut off`,
      'truncated',
    );
  }
  // Oldest first: the first checkpoint that no longer matches bounds where the rewrite starts.
  let matched: AuditCheckpoint | undefined;
  for (const cp of checkpoints) {
    const hash = cp.seq === -1 ? headerHash : entries[cp.seq]!.hash;
    if (hash !== cp.headHash) {
      const what = cp.seq === -1 ? 'the header' : `entry ${cp.seq}`;
      const since = matched === undefined ? '' : ` (after seq ${matched.seq}, which matches its checkpoint)`;
      throw brokenAt(cp.seq + 2, `${what} is not the one checkpointed at ${cp.time}: the log was rewritten at or before it${since}`, 'rewritten');
    }
    matched = cp;
  }
  if (maxAge !== undefined) {
    const age = readClock(options.clock) - Date.parse(newest.time);
    if (age > maxAge) throw checkpointBroken(`the newest checkpoint (${newest.time}) is ${Math.round(age / 1000)} s old, more than the ${Math.round(maxAge / 1000)} s allowed`, 'checkpoint_stale');
  }
  return { ...report, checkpoint: newest, checkpoints: checkpoints.length };
}

/**
 * {@link verifyAuditLog} over the log's content (text, or bytes decoded as strict UTF-8),
 * returning what {@link verifyAuditLogReport} returns.
 * @example
 * ```ts
 * const report = verifyAuditLinesReport(await readFile('audit.jsonl'), {
 *   checkpointKey: servicePublicKey, checkpoints: await readFile('audit.jsonl.checkpoints'),
 * });
 * ```
 */
export function verifyAuditLinesReport(input: string | Uint8Array, options: VerifyAuditLinesOptions = {}): AuditLogReport {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new TypeError('audit log content must be a string or a Uint8Array');
  return checkLog(readLog(input), options);
}

/**
 * {@link verifyAuditLog} over the log's content (text, or bytes decoded as strict UTF-8);
 * the checkpoint file, if any, comes as `options.checkpoints`.
 * @example
 * ```ts
 * verifyAuditLines(await readFile('audit.jsonl', 'utf8'));
 * ```
 */
export function verifyAuditLines(input: string | Uint8Array, options: VerifyAuditLinesOptions = {}): AuditEntry[] {
  return verifyAuditLinesReport(input, options).entries;
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
