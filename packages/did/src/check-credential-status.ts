import { MalformedInputError, RevokedError, SuspendedError } from '@agent-id/core';
import { type CredentialStatusEntry, parseCredentialStatus } from './credential-status-entry.js';
import type { StatusListResolver } from './status-list-resolver.js';

/**
 * Checks a credential's `credentialStatus` (one `BitstringStatusListEntry` or a list) against
 * the status lists it points to, which must be issued by the credential's `issuer`. Returns
 * the entries checked; throws `revoked` or `suspended` (check `credential_status`) for a set
 * bit, `status_unavailable` when no fresh enough list can be had, `malformed_input` for an
 * entry it cannot decide (check `credential_status`, `status_index` for an index out of the
 * list's range, `status_purpose` for a list of another purpose), and the list's own code when
 * the list is bad (`untrusted_issuer` with check `status_list_issuer`, `invalid_signature`,
 * `input_too_large`, …).
 *
 * Verifiers call it through their `statusLists` option; call it yourself to re-check a
 * credential verified earlier (its `credentialStatus`).
 *
 * @example
 * ```ts
 * const facts = await verifyOwnershipCredential(jwt, resolver, { trustedIssuers, statusLists });
 * // later, in a long-lived session:
 * if (facts.credentialStatus) await checkCredentialStatus(facts.credentialStatus, facts.issuer, statusLists);
 * ```
 */
export async function checkCredentialStatus(credentialStatus: unknown, issuer: string, statusLists: StatusListResolver): Promise<CredentialStatusEntry[]> {
  if (typeof statusLists?.resolve !== 'function') throw new TypeError('statusLists must be a StatusListResolver (createStatusListResolver)');
  const entries = parseCredentialStatus(credentialStatus);
  for (const entry of entries) {
    const list = await statusLists.resolve(entry.statusListCredential, issuer);
    if (!list.statusPurposes.includes(entry.statusPurpose)) {
      throw new MalformedInputError(`status list is for ${list.statusPurposes.join(', ').slice(0, 100)}, the entry for ${entry.statusPurpose}`, { check: 'status_purpose' });
    }
    const index = Number(entry.statusListIndex);
    if (index >= list.length) throw new MalformedInputError(`status index ${index} is outside the list (${list.length} entries)`, { check: 'status_index' });
    if ((list.bits[index >> 3]! >> (7 - (index & 7))) & 1) {
      const what = `credential status ${entry.statusPurpose} entry ${index} of ${entry.statusListCredential.slice(0, 200)} is set`;
      throw entry.statusPurpose === 'revocation' ? new RevokedError(`${what}: revoked`, { check: 'credential_status' }) : new SuspendedError(`${what}: suspended`);
    }
  }
  return entries;
}
