import type { CredentialStatusEntry } from './credential-status-entry.js';
import { type CredentialOrStatus, changeCredentialStatus } from './credential-status-change.js';
import type { StatusList } from './status-list.js';

/**
 * Revokes a credential for good: sets its bit in the revocation list among `statusLists` and
 * signs the list anew (serve it with statusListHandler; verifiers see it once their cached copy
 * expires, within the list's `ttl`). `credential` is the credential as issued (its signature is
 * checked with the list's key) or its status entry. A credential with no revocation entry in
 * these lists is `malformed_input` (check `credential_status`).
 *
 * @example
 * ```ts
 * await revokeCredential(vc, [revocations, suspensions]);
 * ```
 */
export function revokeCredential(credential: CredentialOrStatus, statusLists: StatusList | readonly StatusList[]): Promise<CredentialStatusEntry> {
  return changeCredentialStatus(credential, statusLists, 'revocation', true);
}
