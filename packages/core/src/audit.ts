import { readFile } from 'node:fs/promises';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { DelegationHop } from './capability.js';
import { type Clock, systemClock } from './clock.js';
import { AuditChainBrokenError, type ErrorCode } from './errors.js';
import { canonicalizeToBytes } from './jcs.js';
import { isRecord } from './json.js';
import { JsonLinesWriter } from './json-lines-writer.js';
import { toWellFormed } from './unicode.js';

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
}

/** A stored line: the record with its position and hash links. */
export interface AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
  record: AuditRecord;
}

/** Where audit records go. */
export interface AuditSink {
  append(record: AuditRecord): Promise<AuditEntry>;
}

/** The hash that precedes the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

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

function entryHash(seq: number, prevHash: string, record: AuditRecord): string {
  return bytesToHex(sha256(canonicalizeToBytes({ seq, prevHash, record })));
}

/**
 * Builds an audit record with the current time from a clock.
 * @example
 * ```ts
 * const rec = auditRecord({ agent, onBehalfOf: user, task, action: 'read', resource: 'db', decision: 'allow', reason: 'ok', chain });
 * ```
 */
export function auditRecord(fields: Omit<AuditRecord, 'timestamp'>, clock: Clock = systemClock): AuditRecord {
  return { timestamp: new Date(clock()).toISOString(), ...fields };
}

/**
 * An append-only JSON Lines audit log whose entries are hash-chained: each entry's
 * `hash` is SHA-256 over the RFC 8785 form of `{seq, prevHash, record}`. Appends are
 * serialized and flushed to disk (`datasync`) before they resolve.
 *
 * @example
 * ```ts
 * const log = await AuditLog.open('audit.jsonl');
 * await log.append(auditRecord({ ... }));
 * await log.close();
 * ```
 */
export class AuditLog implements AuditSink {
  readonly path: string;
  #file: JsonLinesWriter;
  #seq: number;
  #head: string;

  private constructor(path: string, file: JsonLinesWriter, seq: number, head: string) {
    this.path = path;
    this.#file = file;
    this.#seq = seq;
    this.#head = head;
  }

  /**
   * Opens (or creates, owner-only) a log. An existing log is verified first: appending to
   * a broken chain is refused with `audit_chain_broken`.
   * @example
   * ```ts
   * const log = await AuditLog.open('/var/lib/agent/audit.jsonl');
   * ```
   */
  static async open(path: string): Promise<AuditLog> {
    let existing: AuditEntry[] = [];
    try {
      existing = await verifyAuditLog(path);
    } catch (e) {
      if (!(isRecord(e) && e.code === 'ENOENT')) throw e;
    }
    const file = await JsonLinesWriter.open(path);
    const last = existing.at(-1);
    return new AuditLog(path, file, last ? last.seq + 1 : 0, last ? last.hash : GENESIS_HASH);
  }

  /** Hash of the newest entry: keep it elsewhere to detect truncation later. */
  get head(): { seq: number; hash: string } {
    return { seq: this.#seq - 1, hash: this.#head };
  }

  /**
   * Appends one record; resolves once it is on disk.
   * @example
   * ```ts
   * const entry = await log.append(record);
   * ```
   */
  append(input: AuditRecord): Promise<AuditEntry> {
    const record = sanitizeStrings(input);
    return this.#file.append(
      (): AuditEntry => ({ seq: this.#seq, prevHash: this.#head, hash: entryHash(this.#seq, this.#head, record), record }),
      (entry) => {
        this.#seq = entry.seq + 1;
        this.#head = entry.hash;
      },
    );
  }

  /**
   * Waits for pending appends and closes the file.
   * @example
   * ```ts
   * await log.close();
   * ```
   */
  close(): Promise<void> {
    return this.#file.close();
  }
}

/** Options for {@link verifyAuditLog}. */
export interface VerifyAuditLogOptions {
  /** The head recorded elsewhere; detects truncated tails. */
  expectedHead?: { seq: number; hash: string };
}

/**
 * Verifies an audit log's hash chain and returns its entries. Any edited, removed,
 * inserted or reordered entry throws `audit_chain_broken` with the 1-based `line` of the
 * first bad entry. Truncation of the tail is detected only against `expectedHead`.
 *
 * @example
 * ```ts
 * const entries = await verifyAuditLog('audit.jsonl');
 * ```
 */
export async function verifyAuditLog(path: string, options: VerifyAuditLogOptions = {}): Promise<AuditEntry[]> {
  const text = await readFile(path, 'utf8');
  return verifyAuditLines(text, options);
}

function broken(line: number, message: string, check: string): AuditChainBrokenError {
  const error = new AuditChainBrokenError(`line ${line}: ${message}`, { check });
  error.line = line;
  return error;
}

/**
 * {@link verifyAuditLog} over the log's text.
 * @example
 * ```ts
 * verifyAuditLines(await readFile('audit.jsonl', 'utf8'));
 * ```
 */
export function verifyAuditLines(text: string, options: VerifyAuditLogOptions = {}): AuditEntry[] {
  if (typeof text !== 'string') throw new TypeError('audit log text must be a string');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const entries: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  lines.forEach((raw, i) => {
    const line = i + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw broken(line, 'not valid JSON', 'parse');
    }
    if (!isRecord(parsed) || typeof parsed.hash !== 'string' || typeof parsed.prevHash !== 'string' || !isRecord(parsed.record)) {
      throw broken(line, 'not an audit entry', 'parse');
    }
    const entry = parsed as unknown as AuditEntry;
    if (entry.seq !== i) throw broken(line, `sequence number ${String(entry.seq)}, expected ${i}`, 'sequence');
    if (entry.prevHash !== prev) throw broken(line, 'previous-hash link does not match the entry before it', 'prev_hash');
    let recomputed: string;
    try {
      recomputed = entryHash(entry.seq, entry.prevHash, entry.record);
    } catch {
      throw broken(line, 'record cannot be canonicalized', 'record_hash');
    }
    if (recomputed !== entry.hash) throw broken(line, 'hash does not match the record (edited)', 'record_hash');
    prev = entry.hash;
    entries.push(entry);
  });
  const head = options.expectedHead;
  if (head) {
    const last = entries.at(-1);
    // An empty log's head is {seq: -1, hash: GENESIS_HASH}, as AuditLog#head reports it.
    const [seq, hash] = last ? [last.seq, last.hash] : [-1, GENESIS_HASH];
    if (seq !== head.seq || hash !== head.hash) {
      throw broken(entries.length + 1, `log ends at seq ${seq}, expected head seq ${String(head.seq)}`, 'head');
    }
  }
  return entries;
}
