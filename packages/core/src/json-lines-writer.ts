import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * An append-only JSON Lines file, owner-only (0600), for embedded state that must survive a
 * crash: appends are serialized, and each resolves only once its line is on disk
 * (opened `O_DSYNC` where the platform has it, so one write call is also its data sync;
 * elsewhere `datasync` after each write). A newly created file's directory entry is synced too.
 *
 * @example
 * ```ts
 * const file = await JsonLinesWriter.open('revocations.jsonl');
 * await file.append(() => ({ kind: 'agent', did }));
 * await file.close();
 * ```
 */
export class JsonLinesWriter {
  readonly path: string;
  #handle: FileHandle;
  #serialize: (value: unknown) => string;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, handle: FileHandle, serialize: (value: unknown) => string) {
    this.path = path;
    this.#handle = handle;
    this.#serialize = serialize;
  }

  /**
   * Opens (or creates) the file for appending. `truncateTo` first cuts the file to that
   * many bytes (to drop a torn last line found while reading it). `serialize` turns a value
   * into its line (default `JSON.stringify`; the audit log passes `canonicalize` so every
   * line is its RFC 8785 form); it must not produce a newline.
   * @example
   * ```ts
   * const file = await JsonLinesWriter.open('audit.jsonl', { serialize: canonicalize });
   * ```
   */
  static async open(path: string, options: { truncateTo?: number; serialize?: (value: unknown) => string } = {}): Promise<JsonLinesWriter> {
    const existed = await open(path, 'r').then(
      (h) => h.close().then(() => true),
      () => false,
    );
    // O_DSYNC: each write returns once its data (and the size that reaches it) is durable, as
    // write then fdatasync would, in one call to the thread pool instead of two.
    const handle = await open(path, DSYNC === undefined ? 'a' : constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | DSYNC, 0o600);
    if (options.truncateTo !== undefined) {
      await handle.truncate(options.truncateTo);
      await handle.datasync();
    }
    if (!existed) await syncDirectory(dirname(path));
    return new JsonLinesWriter(path, handle, options.serialize ?? ((value) => JSON.stringify(value)));
  }

  /**
   * Appends the value `make()` returns as one line, in call order. `make` runs when the
   * previous append has finished, so it can read state that earlier appends updated;
   * `commit` runs once the line is on disk.
   * @example
   * ```ts
   * await file.append(() => ({ seq: next }), () => { next += 1; });
   * ```
   */
  append<T>(make: () => T, commit?: (value: T) => void): Promise<T> {
    const run = this.#queue.then(async () => {
      const value = make();
      const line = oneLine(this.#serialize(value));
      await this.#write(`${line}\n`);
      commit?.(value);
      return value;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Appends several values as lines, in order, with one durable write; resolves
   * once all are on disk. Queued with {@link JsonLinesWriter.append} calls, in call order.
   * @example
   * ```ts
   * await file.appendAll([{ seq: 1 }, { seq: 2 }]);
   * ```
   */
  appendAll(values: readonly unknown[]): Promise<void> {
    return this.#appendText(() => {
      let text = '';
      for (const value of values) text += `${oneLine(this.#serialize(value))}\n`;
      return text;
    });
  }

  /**
   * Appends lines already serialized (each one line, no newline), in order, with one
   * durable write, as {@link JsonLinesWriter.appendAll} does for values.
   * @example
   * ```ts
   * await file.appendLines(['{"seq":1}', '{"seq":2}']);
   * ```
   */
  appendLines(lines: readonly string[]): Promise<void> {
    return this.#appendText(() => {
      let text = '';
      for (const line of lines) text += `${oneLine(line)}\n`;
      return text;
    });
  }

  #appendText(make: () => string): Promise<void> {
    const run = this.#queue.then(async () => {
      const text = make();
      if (text === '') return;
      await this.#write(text);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #write(text: string): Promise<void> {
    await this.#handle.appendFile(text, 'utf8');
    if (DSYNC === undefined) await this.#handle.datasync();
  }

  /**
   * Waits for pending appends and closes the file.
   * @example
   * ```ts
   * await file.close();
   * ```
   */
  async close(): Promise<void> {
    await this.#queue;
    await this.#handle.close();
  }
}

// Undefined where the platform has no O_DSYNC (Windows).
const DSYNC: number | undefined = (constants as { O_DSYNC?: number }).O_DSYNC;

function oneLine(line: unknown): string {
  if (typeof line !== 'string' || line.includes('\n')) throw new TypeError('a JSON Lines value must serialize to one line');
  return line;
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse to fsync a directory; the file itself is still synced.
  }
}
