/**
 * The revocation store in a file (Node only: exported from `@agent-id/tokens/node`).
 *
 * @module revocation-file
 */
import { readFile } from 'node:fs/promises';
import { MalformedInputError, isEpochMillis } from '@agent-id/core';
import { isRecord, utf8Length } from '@agent-id/core/internal';
import { JsonLinesWriter } from '@agent-id/core/internal/node';
import { MemoryRevocationStore, type RevocationEntry, type RevocationTarget, checkOptions, keyOf, validRevocationTarget } from './revocation.js';

function parseEntry(value: unknown): RevocationEntry | undefined {
  if (!isRecord(value) || !isEpochMillis(value.revokedAt)) return undefined;
  const reason = typeof value.reason === 'string' ? { reason: value.reason } : {};
  if (value.kind === 'agent' && typeof value.did === 'string' && value.did) return { kind: 'agent', did: value.did, revokedAt: value.revokedAt, ...reason };
  if ((value.kind === 'token' || value.kind === 'principal') && typeof value.id === 'string' && value.id) {
    return { kind: value.kind, id: value.id, revokedAt: value.revokedAt, ...reason };
  }
  return undefined;
}

/**
 * The embedded persistent revocation store: an append-only JSON Lines file, each
 * revocation flushed to disk (`datasync`) before `revoke` resolves, the whole file
 * reloaded into memory by {@link FileRevocationStore.open}. Lookups are in memory.
 * A final line without its newline was never acknowledged and is dropped on open; any
 * other unreadable line refuses to open (`malformed_input`), so a damaged file never
 * silently forgets a revocation.
 *
 * @example
 * ```ts
 * const store = await FileRevocationStore.open('/var/lib/agent-id/revocations.jsonl');
 * await store.revoke({ kind: 'principal', id: 'did:web:users.example:alice' });
 * await store.close();
 * ```
 */
export class FileRevocationStore extends MemoryRevocationStore {
  readonly path: string;
  #file: JsonLinesWriter;

  private constructor(path: string, file: JsonLinesWriter) {
    super();
    this.path = path;
    this.#file = file;
  }

  /**
   * Opens (or creates, owner-only) the store and loads every revocation in it.
   * @example
   * ```ts
   * const store = await FileRevocationStore.open('revocations.jsonl');
   * ```
   */
  static async open(path: string): Promise<FileRevocationStore> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (!(isRecord(error) && error.code === 'ENOENT')) throw error;
    }
    const lines = text.split('\n');
    const tail = lines.pop() ?? '';
    const validLength = text.length - tail.length;
    const entries: RevocationEntry[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const entry = parseEntry(parsed);
      if (!entry) throw new MalformedInputError(`revocation store ${path}: line ${i + 1} is not a revocation`, { check: 'revocation_store' });
      // A target no chain can match (written before targets were checked) was reported as
      // revoked but never was: refuse to start on it rather than keep the pretence.
      try {
        validRevocationTarget(entry);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new MalformedInputError(`revocation store ${path}: line ${i + 1} never took effect (${why}); rewrite or remove it`, { check: 'revocation_store', cause: error });
      }
      entries.push(entry);
    });
    const file = await JsonLinesWriter.open(path, tail === '' ? {} : { truncateTo: utf8Length(text.slice(0, validLength)) });
    const store = new FileRevocationStore(path, file);
    for (const entry of entries) store.entries.set(keyOf(entry), entry);
    return store;
  }

  override async revoke(target: RevocationTarget, options: { reason?: string; at?: number } = {}): Promise<RevocationEntry> {
    const valid = validRevocationTarget(target);
    checkOptions(options);
    const entry = this.entryFor(valid, options);
    return this.#file.append(
      () => entry,
      () => this.entries.set(keyOf(valid), entry),
    );
  }

  /**
   * Waits for pending writes and closes the file.
   * @example
   * ```ts
   * await store.close();
   * ```
   */
  close(): Promise<void> {
    return this.#file.close();
  }
}
