/**
 * Files the commands read and write, and what a file error means under the exit-code
 * rule: a file that cannot be read is `unreadable_input`, an output file that exists is
 * `output_exists`, one that cannot be written `unwritable_output` — each naming the option
 * or argument that named the file.
 *
 * @module io/files
 */
import { chmod, open, readFile, stat, writeFile } from 'node:fs/promises';
import { UsageError } from '../exit.js';

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
}

/** Whether a value is a file-system error (it has an errno code). */
export function isFileError(e: unknown): boolean {
  return e instanceof Error && 'errno' in e && errnoCode(e) !== undefined;
}

function reason(e: unknown): string {
  switch (errnoCode(e)) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    default:
      return 'cannot be used';
  }
}

/** The usage error for a file that could not be read; `source` is the option or argument that named it. */
export function unreadable(e: unknown, what: string, path: string, source: string): UsageError {
  return new UsageError(`${what} ${path}: ${reason(e)}`, { code: 'unreadable_input', check: source, cause: e });
}

/** The usage error for an output file that could not be written; `option` named it. */
export function unwritable(e: unknown, what: string, path: string, option: string): UsageError {
  if (errnoCode(e) === 'EEXIST') return outputExists(what, path, option);
  return new UsageError(`${what} ${path}: ${reason(e)}`, { code: 'unwritable_output', check: option, cause: e });
}

function outputExists(what: string, path: string, option: string): UsageError {
  return new UsageError(`${what} ${path} already exists; pass --force to replace it`, { code: 'output_exists', check: option });
}

/**
 * Reads a text file of at most `maxBytes`, checking the size before reading. A file that
 * cannot be read is `unreadable_input`; a larger one is whatever `tooLarge` says, since
 * that depends on what the file is (input to judge, or a key).
 */
export async function readFileLimited(path: string, options: { maxBytes: number; what: string; source: string; tooLarge: (size: number) => Error }): Promise<string> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR', errno: -21 });
    if (info.size > options.maxBytes) throw options.tooLarge(info.size);
    return await readFile(path, 'utf8');
  } catch (e) {
    throw isFileError(e) ? unreadable(e, options.what, path, options.source) : e;
  }
}

/** Refuses an existing output file unless it may be replaced (`--force`). */
export async function assertWritable(path: string, options: { overwrite: boolean; what: string; option: string }): Promise<void> {
  if (options.overwrite) return;
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists) throw outputExists(options.what, path, options.option);
}

/** Writes a result file; refuses to replace an existing one unless `overwrite`. */
export async function writeOutputFile(path: string, text: string, options: { overwrite: boolean; option: string; what?: string; mode?: number }): Promise<void> {
  const what = options.what ?? 'output file';
  try {
    if (!options.overwrite) {
      const handle = await open(path, 'wx', options.mode ?? 0o644);
      try {
        await handle.writeFile(text, 'utf8');
      } finally {
        await handle.close();
      }
      return;
    }
    await writeFile(path, text, { encoding: 'utf8', mode: options.mode ?? 0o644 });
    if (options.mode !== undefined) await chmod(path, options.mode);
  } catch (e) {
    throw unwritable(e, what, path, options.option);
  }
}
