import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MalformedInputError, ResourceLimitError, base64urlDecode, base64urlEncode } from '@agent-id/core';
import { isRecord, parseJson, sha256Hex } from '@agent-id/core/internal';
import type { StatusListRecord, StatusListStore } from './status-list-store.js';

const LOCK_WAIT_MS = 5_000;
// A lock older than this was left by a process that died mid-write.
const STALE_LOCK_MS = 30_000;

function fromJson(value: unknown, path: string): StatusListRecord {
  const bad = () => new MalformedInputError(`status list file ${path} is malformed`, { check: 'status_list_file' });
  if (!isRecord(value)) throw bad();
  const { url, issuer, statusPurpose, length, bits, allocated, version, published } = value;
  if (typeof url !== 'string' || typeof issuer !== 'string' || (statusPurpose !== 'revocation' && statusPurpose !== 'suspension')) throw bad();
  if (!Number.isSafeInteger(length) || !Number.isSafeInteger(version) || typeof bits !== 'string' || typeof allocated !== 'string') throw bad();
  const record: StatusListRecord = {
    url,
    issuer,
    statusPurpose,
    length: length as number,
    bits: base64urlDecode(bits, 'status bits'),
    allocated: base64urlDecode(allocated, 'allocated bits'),
    version: version as number,
  };
  if (record.bits.length * 8 !== record.length || record.allocated.length * 8 !== record.length) throw bad();
  if (published !== undefined) {
    if (!isRecord(published) || typeof published.jwt !== 'string' || typeof published.version !== 'number' || typeof published.refreshAt !== 'number') throw bad();
    record.published = { jwt: published.jwt, version: published.version, refreshAt: published.refreshAt };
  }
  return record;
}

/**
 * A {@link StatusListStore} in a directory: one JSON file per list (named by the SHA-256 of
 * its URL), written to a temporary file and renamed into place, with a lock file so that
 * processes sharing the directory (a server and the `agent-id` command) take turns. Node only.
 *
 * @example
 * ```ts
 * const store = await FileStatusListStore.open('/var/lib/acme/status');
 * const revocations = await StatusList.open({ issuer: acme, url, statusPurpose: 'revocation', store });
 * ```
 */
export class FileStatusListStore implements StatusListStore {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Opens (creating it, mode 0700) the directory.
   * @example
   * ```ts
   * const store = await FileStatusListStore.open('./status');
   * ```
   */
  static async open(dir: string): Promise<FileStatusListStore> {
    if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('dir must be a directory path');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new FileStatusListStore(dir);
  }

  #path(url: string): string {
    return join(this.dir, `${sha256Hex(url).slice(0, 32)}.json`);
  }

  /**
   * @example
   * ```ts
   * const record = await store.read('https://acme.example/status/revocation');
   * ```
   */
  async read(url: string): Promise<StatusListRecord | undefined> {
    if (typeof url !== 'string') throw new TypeError('url must be a string');
    const path = this.#path(url);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const record = fromJson(parseJson(text, { maxBytes: 64 * 1024 * 1024, maxDepth: 4, what: `status list file ${path}` }), path);
    if (record.url !== url) throw new MalformedInputError(`status list file ${path} holds another list`, { check: 'status_list_file' });
    return record;
  }

  /**
   * @example
   * ```ts
   * const stored = await store.write(record, record.version - 1);
   * ```
   */
  async write(record: StatusListRecord, expectedVersion: number | undefined): Promise<boolean> {
    const path = this.#path(record.url);
    const release = await this.#lock(`${path}.lock`);
    try {
      const current = await this.read(record.url);
      if (current?.version !== expectedVersion) return false;
      const json = {
        url: record.url,
        issuer: record.issuer,
        statusPurpose: record.statusPurpose,
        length: record.length,
        bits: base64urlEncode(record.bits),
        allocated: base64urlEncode(record.allocated),
        version: record.version,
        ...(record.published ? { published: record.published } : {}),
      };
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      const handle = await open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(json)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
      return true;
    } finally {
      await release();
    }
  }

  async #lock(lockPath: string): Promise<() => Promise<void>> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        await handle.close();
        return () => unlink(lockPath).catch(() => {});
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lockPath).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > STALE_LOCK_MS) await unlink(lockPath).catch(() => {});
        else if (Date.now() > deadline) throw new ResourceLimitError(`status list lock ${lockPath} held for over ${LOCK_WAIT_MS} ms`, { check: 'status_list_lock' });
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
}
