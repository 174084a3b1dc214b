/**
 * Opening the revocation store file of `--store` (revoke) or `--revocations` (authorize).
 * Its content is @agent-id/tokens's to judge; a file that cannot be used is bad usage.
 *
 * @module commands/token/revocation-store
 */
import { stat } from 'node:fs/promises';
import { FileRevocationStore } from '@agent-id/tokens';
import { isFileError, unreadable, unwritable } from '../../io/files.js';

/**
 * Opens the store at `path`, named by `option`. To consult one (`create: false`) it must
 * exist — a verifier never creates the store it was told to consult, so a wrong path fails
 * closed; to record a revocation it is created owner-only if missing.
 */
export async function openRevocationStore(path: string, options: { option: string; create: boolean }): Promise<FileRevocationStore> {
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
