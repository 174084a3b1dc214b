import { MalformedInputError, UntrustedIssuerError, parseCompactJws, verifyJwsSignature } from '@agent-id/core';
import { bytesToUtf8, isRecord, parseJson } from '@agent-id/core/internal';
import { type CredentialStatusEntry, type StatusPurpose, parseCredentialStatus } from './credential-status-entry.js';
import type { StatusList } from './status-list.js';

/** A credential (as issued: the JWT) or one of its status entries. */
export type CredentialOrStatus = string | CredentialStatusEntry;

// The status entries of a credential this organisation issued: the JWT must carry its
// signature (checked with the list's own key, so a forged credential cannot aim a flip at
// another agent's index).
function entriesOf(credential: CredentialOrStatus, lists: readonly StatusList[]): CredentialStatusEntry[] {
  if (typeof credential !== 'string') return parseCredentialStatus(credential);
  const jws = parseCompactJws(credential, { maxBytes: 16_384, what: 'credential' });
  const payload = parseJson(bytesToUtf8(jws.payload, 'credential payload'), { maxBytes: 16_384, maxDepth: 12, what: 'credential payload' });
  if (!isRecord(payload)) throw new MalformedInputError('credential payload is not a JSON object');
  const v1 = isRecord(payload.vc) ? payload.vc : undefined;
  const issuer = v1 ? payload.iss : isRecord(payload.issuer) ? payload.issuer.id : payload.issuer;
  const list = lists.find((l) => l.issuer.did === issuer);
  if (!list) throw new UntrustedIssuerError('credential is not issued by the owner of these status lists', { check: 'status_list_issuer' });
  verifyJwsSignature(jws, list.issuer.keyPair.publicKey, 'credential signature');
  const status = v1 ? v1.credentialStatus : payload.credentialStatus;
  if (status === undefined) throw new MalformedInputError('credential carries no credentialStatus', { check: 'credential_status' });
  return parseCredentialStatus(status);
}

/**
 * Sets or clears the status bit of `purpose` for a credential in the matching list, and
 * republishes it. Internal: see revokeCredential, suspendCredential, reinstateCredential.
 */
export async function changeCredentialStatus(
  credential: CredentialOrStatus,
  statusLists: StatusList | readonly StatusList[],
  purpose: StatusPurpose,
  value: boolean,
): Promise<CredentialStatusEntry> {
  const lists = Array.isArray(statusLists) ? (statusLists as readonly StatusList[]) : [statusLists as StatusList];
  if (lists.length === 0 || lists.some((l) => typeof l?.set !== 'function')) throw new TypeError('statusLists must be StatusList objects');
  const entries = entriesOf(credential, lists);
  for (const entry of entries) {
    if (entry.statusPurpose !== purpose) continue;
    const list = lists.find((l) => l.url === entry.statusListCredential && l.statusPurpose === purpose);
    if (!list) continue;
    const index = Number(entry.statusListIndex);
    await list.set(index, value).catch((cause: unknown) => {
      if (cause instanceof RangeError) throw new MalformedInputError(`status index ${index} is outside ${list.url}`, { check: 'status_index', cause });
      throw cause;
    });
    return entry;
  }
  throw new MalformedInputError(`credential has no ${purpose} entry in these status lists`, { check: 'credential_status' });
}
