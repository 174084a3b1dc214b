/**
 * Opening the revocation store of `--store` (revoke) or `--revocations` (authorize): a file,
 * or a PostgreSQL database given as a `postgres://` URL. Its content is @agent-id/tokens's
 * (or @agent-id/postgres's) to judge; a file that cannot be used is bad usage.
 *
 * @module commands/token/revocation-store
 */
import { stat } from 'node:fs/promises';
import type { RevocationStore } from '@agent-id/tokens';
import { FileRevocationStore } from '@agent-id/tokens/node';
import { UsageError } from '../../exit.js';
import { isFileError, unreadable, unwritable } from '../../io/files.js';

/** A store the command closes when done. */
export type ClosableRevocationStore = RevocationStore & { close(): Promise<void> };

/** Whether a store argument names a PostgreSQL database rather than a file. */
export const isPostgresUrl = (value: string): boolean => /^postgres(?:ql)?:\/\//.test(value);

/**
 * Opens the store at `path`, named by `option`. A `postgres://` URL opens the database's
 * store (`@agent-id/postgres`): following the feed to consult it, only writing to record.
 * A file, to consult (`create: false`), must exist — a verifier never creates the store it
 * was told to consult, so a wrong path fails closed; to record a revocation it is created
 * owner-only if missing.
 */
export async function openRevocationStore(path: string, options: { option: string; create: boolean; schema?: string }): Promise<ClosableRevocationStore> {
  if (isPostgresUrl(path)) {
    const { PostgresRevocationStore } = await import('@agent-id/postgres');
    return PostgresRevocationStore.open(path, { follow: !options.create, ...(options.schema !== undefined ? { schema: options.schema } : {}) });
  }
  if (options.schema !== undefined) throw new UsageError('--schema is for a postgres:// store', { code: 'usage', check: '--schema' });
  const what = 'revocation store';
  if (!options.create) {
    await stat(path).catch((e: unknown) => {
      throw unreadable(e, what, path, options.option);
    });
  }
  try {
    return await FileRevocationStore.open(path);
  } catch (e) {
    if (!isFileError(e)) throw e;
    throw options.create ? unwritable(e, what, path, options.option) : unreadable(e, what, path, options.option);
  }
}
