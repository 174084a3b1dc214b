import { readFile } from 'node:fs/promises';
import { MalformedInputError } from '@agent-id/core';
import { JsonLinesWriter, isRecord } from '@agent-id/core/internal';

/**
 * What can be revoked:
 * - `token`: one hop by its revocation id (a Biscuit block's id, a Macaroon token or hop
 *   id): that token and everything derived from it;
 * - `agent`: every token whose chain passes through that agent DID;
 * - `principal`: everything acting on behalf of that user or organisation.
 */
export type RevocationTarget =
  | { kind: 'token'; id: string }
  | { kind: 'agent'; did: string }
  | { kind: 'principal'; id: string };

/** A stored revocation. */
export type RevocationEntry = RevocationTarget & {
  /** Epoch milliseconds when it was recorded. */
  revokedAt: number;
  reason?: string;
};

/** What one authorization asks the store about. */
export interface RevocationQuery {
  tokenIds: readonly string[];
  agents: readonly string[];
  principals: readonly string[];
}

/**
 * Where revocations live. `authorize` calls {@link RevocationStore.findRevoked} on every
 * check; implementations answer from memory or from a backend.
 */
export interface RevocationStore {
  /** Records a revocation; resolves once it is durable. */
  revoke(target: RevocationTarget, options?: { reason?: string; at?: number }): Promise<RevocationEntry>;
  /** The first revocation matching the query, or undefined. */
  findRevoked(query: RevocationQuery): RevocationEntry | undefined | Promise<RevocationEntry | undefined>;
}

function keyOf(target: RevocationTarget): string {
  return target.kind === 'agent' ? `agent\u0000${target.did}` : `${target.kind}\u0000${target.id}`;
}

function checkTarget(target: RevocationTarget): void {
  const value = isRecord(target) ? (target.kind === 'agent' ? target.did : target.id) : undefined;
  if (!isRecord(target) || !['token', 'agent', 'principal'].includes(String(target.kind)) || typeof value !== 'string' || value.length === 0) {
    throw new TypeError('revocation target must be {kind:"token",id} | {kind:"agent",did} | {kind:"principal",id}');
  }
}

/**
 * A revocation store held in memory (tests, or a cache in front of another store).
 *
 * @example
 * ```ts
 * const store = new MemoryRevocationStore();
 * await store.revoke({ kind: 'agent', did: 'did:key:z6Mk…' });
 * ```
 */
export class MemoryRevocationStore implements RevocationStore {
  protected readonly entries = new Map<string, RevocationEntry>();

  /**
   * Records a revocation.
   * @example
   * ```ts
   * await store.revoke({ kind: 'token', id: hop.revocationId }, { reason: 'task cancelled' });
   * ```
   */
  async revoke(target: RevocationTarget, options: { reason?: string; at?: number } = {}): Promise<RevocationEntry> {
    checkTarget(target);
    const entry = this.entryFor(target, options);
    this.entries.set(keyOf(target), entry);
    return entry;
  }

  protected entryFor(target: RevocationTarget, options: { reason?: string; at?: number }): RevocationEntry {
    const entry: RevocationEntry =
      target.kind === 'agent' ? { kind: 'agent', did: target.did, revokedAt: options.at ?? Date.now() } : { kind: target.kind, id: target.id, revokedAt: options.at ?? Date.now() };
    if (options.reason !== undefined) entry.reason = options.reason;
    return entry;
  }

  /**
   * The first revocation that matches any id, agent or principal in the query.
   * @example
   * ```ts
   * store.findRevoked({ tokenIds: ['ab12…'], agents: [], principals: ['did:web:acme.example'] });
   * ```
   */
  findRevoked(query: RevocationQuery): RevocationEntry | undefined {
    if (this.entries.size === 0) return undefined;
    for (const id of query.tokenIds) {
      const hit = this.entries.get(`token\u0000${id}`);
      if (hit) return hit;
    }
    for (const did of query.agents) {
      const hit = this.entries.get(`agent\u0000${did}`);
      if (hit) return hit;
    }
    for (const id of query.principals) {
      const hit = this.entries.get(`principal\u0000${id}`);
      if (hit) return hit;
    }
    return undefined;
  }

  /** Number of stored revocations. */
  get size(): number {
    return this.entries.size;
  }
}

function parseEntry(value: unknown): RevocationEntry | undefined {
  if (!isRecord(value) || typeof value.revokedAt !== 'number') return undefined;
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
      entries.push(entry);
    });
    const file = await JsonLinesWriter.open(path, tail === '' ? {} : { truncateTo: Buffer.byteLength(text.slice(0, validLength), 'utf8') });
    const store = new FileRevocationStore(path, file);
    for (const entry of entries) store.entries.set(keyOf(entry), entry);
    return store;
  }

  override revoke(target: RevocationTarget, options: { reason?: string; at?: number } = {}): Promise<RevocationEntry> {
    checkTarget(target);
    const entry = this.entryFor(target, options);
    return this.#file.append(
      () => entry,
      () => this.entries.set(keyOf(target), entry),
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
