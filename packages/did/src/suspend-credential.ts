import type { CredentialStatusEntry } from './credential-status-entry.js';
import { type CredentialOrStatus, changeCredentialStatus } from './credential-status-change.js';
import type { StatusList } from './status-list.js';

/**
 * Suspends a credential: sets its bit in the suspension list among `statusLists` and signs
 * the list anew; {@link reinstateCredential} lifts it. Needs a credential issued with a
 * suspension entry (`status` including a suspension list).
 *
 * @example
 * ```ts
 * await suspendCredential(vc, [revocations, suspensions]);
 * ```
 */
export function suspendCredential(credential: CredentialOrStatus, statusLists: StatusList | readonly StatusList[]): Promise<CredentialStatusEntry> {
  return changeCredentialStatus(credential, statusLists, 'suspension', true);
}

/**
 * Lifts a suspension: clears the credential's bit in the suspension list and signs it anew.
 * A revocation is never lifted.
 *
 * @example
 * ```ts
 * await reinstateCredential(vc, [revocations, suspensions]);
 * ```
 */
export function reinstateCredential(credential: CredentialOrStatus, statusLists: StatusList | readonly StatusList[]): Promise<CredentialStatusEntry> {
  return changeCredentialStatus(credential, statusLists, 'suspension', false);
}
