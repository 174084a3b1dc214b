import { type AuditCheckpoint, readCheckpoints, } from './audit-checkpoint.js';
import { brokenAt, extraMember, HASH_HEX, isCanonicalLine, isIsoTime, LOG_ID, parseObjectLine, splitLines } from './audit-lines.js';
import type { DelegationHop } from './capability.js';
import { type Clock, readClock } from './clock.js';
import { AuditChainBrokenError, type ErrorCode, MalformedInputError } from './errors.js';
import { sha256Hex } from './hash.js';
import { canonicalize } from './jcs.js';
import { isRecord } from './json.js';
import { PublicKey } from './keys.js';
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

/** @internal */
export interface AuditLogHeader {
  created: string;
  format: typeof AUDIT_LOG_FORMAT;
  logId: string;
}

// Records carry attacker-chosen strings (resource names, reasons); a lone surrogate must not
// make a refusal go unrecorded, so it is replaced by U+FFFD before hashing.
function sanitizeStrings<T>(value: T): T {
  if (typeof value === 'string') return toWellFormed(value) as T;
  if (Array.isArray(value)) return value.map(sanitizeStrings) as T;
  if (isRecord(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [sanitizeStrings(k), sanitizeStrings(v)])) as T;
  }
  return value;
}

// The record's canonical text with its lone surrogates replaced. Nearly every record has
// none, so it is canonicalized as it is, and copied with its strings repaired only when that
// fails (a value that still fails, such as a non-finite number, fails again the same way).
function canonicalRecord(input: AuditRecord): string {
  try {
    return canonicalize(input);
  } catch (error) {
    if (!(error instanceof MalformedInputError)) throw error;
    return canonicalize(sanitizeStrings(input));
  }
}

function entryHash(seq: number, prevHash: string, record: AuditRecord): string {
  return sha256Hex(canonicalize({ seq, prevHash, record }));
}

/**
 * What the log writer stores for one record: the entry (record sanitized and in its JSON
 * form, linked to `prevHash`) and its line, exactly as a log file holds it. Used by the file
 * log and by other stores (`@agent-id/postgres`), so every chain is hashed by this one code.
 */
export function auditEntryLine(seq: number, prevHash: string, input: AuditRecord): { entry: AuditEntry; line: string } {
  const recordText = canonicalRecord(input);
  // RFC 8785 orders an entry's members hash, prevHash, record, seq, so the hashed form
  // ({seq, prevHash, record}) and the line are the record's one canonical text with the
  // other members around it; canonicalizing the parsed record again gives the same text.
  const linked = `"prevHash":${canonicalize(prevHash)},"record":${recordText},"seq":${canonicalize(seq)}}`;
  const hash = sha256Hex(`{${linked}`);
  return { entry: { seq, prevHash, hash, record: JSON.parse(recordText) as AuditRecord }, line: `{"hash":"${hash}",${linked}` };
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
  return { timestamp: isoTime(readClock(clock)), ...fields };
}

// `toISOString` costs about a microsecond; records of one second share everything but the
// milliseconds, so the rest is reused.
let isoSecond = Number.NaN;
let isoPrefix = '';

/** `new Date(ms).toISOString()`, the `YYYY-MM-DDTHH:MM:SS.` part reused within a second. */
function isoTime(ms: number): string {
  const whole = Math.trunc(ms);
  const second = Math.floor(whole / 1000);
  if (second === isoSecond) return `${isoPrefix}${String(whole - second * 1000).padStart(3, '0')}Z`;
  const full = new Date(whole).toISOString();
  // Only the four-digit years: others are spelled with a sign and six digits.
  if (full.length === 24) {
    isoSecond = second;
    isoPrefix = full.slice(0, 20);
  }
  return full;
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

/** @internal The parsed log, for `AuditLog` (./audit-log.ts). */
export function readLog(input: string | Uint8Array): ParsedLog {
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

/** @internal The checks of {@link verifyAuditLinesReport}, for `AuditLog` (./audit-log.ts). */
export function checkLog(log: ParsedLog, options: VerifyAuditLinesOptions): AuditLogReport {
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
