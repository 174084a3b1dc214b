import { MalformedInputError } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';

/** The status purposes agent-id issues and checks: a set bit means revoked, or suspended. */
export type StatusPurpose = 'revocation' | 'suspension';

/** The status purposes, in the order they are checked (a revocation outranks a suspension). */
export const STATUS_PURPOSES: readonly StatusPurpose[] = Object.freeze(['revocation', 'suspension']);

/** A `BitstringStatusListEntry` (W3C Bitstring Status List v1.0) in a credential's `credentialStatus`. */
export interface CredentialStatusEntry {
  id?: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: StatusPurpose;
  /** The entry's index in the list, a decimal string. */
  statusListIndex: string;
  /** URL of the status list credential. */
  statusListCredential: string;
}

const MAX_ENTRIES = 4;
const INDEX = /^(0|[1-9][0-9]{0,9})$/;

/**
 * Reads a `credentialStatus` value (one entry or a list) into checked entries. Anything this
 * package cannot decide (another entry type or purpose, `statusSize` other than 1) is
 * `malformed_input` (check `credential_status`): a status it cannot read is never skipped.
 * Internal to this package.
 */
export function parseCredentialStatus(value: unknown): CredentialStatusEntry[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.length > MAX_ENTRIES) {
    throw new MalformedInputError(`credentialStatus must hold 1 to ${MAX_ENTRIES} entries`, { check: 'credential_status' });
  }
  const entries = list.map((e): CredentialStatusEntry => {
    if (!isRecord(e) || e.type !== 'BitstringStatusListEntry') {
      throw new MalformedInputError('credentialStatus entry is not a BitstringStatusListEntry', { check: 'credential_status' });
    }
    if (e.statusPurpose !== 'revocation' && e.statusPurpose !== 'suspension') {
      throw new MalformedInputError('credentialStatus purpose is neither "revocation" nor "suspension"', { check: 'credential_status' });
    }
    if (e.statusSize !== undefined && e.statusSize !== 1) {
      throw new MalformedInputError('credentialStatus statusSize must be 1', { check: 'credential_status' });
    }
    if (typeof e.statusListIndex !== 'string' || !INDEX.test(e.statusListIndex)) {
      throw new MalformedInputError('credentialStatus statusListIndex is not a decimal index', { check: 'status_index' });
    }
    const url = e.statusListCredential;
    if (typeof url !== 'string' || url.length > 2048 || !URL.canParse(url)) {
      throw new MalformedInputError('credentialStatus statusListCredential is not a URL', { check: 'credential_status' });
    }
    const entry: CredentialStatusEntry = { type: 'BitstringStatusListEntry', statusPurpose: e.statusPurpose, statusListIndex: e.statusListIndex, statusListCredential: url };
    if (typeof e.id === 'string' && e.id.length <= 2048) entry.id = e.id;
    return entry;
  });
  return entries.sort((a, b) => STATUS_PURPOSES.indexOf(a.statusPurpose) - STATUS_PURPOSES.indexOf(b.statusPurpose));
}
