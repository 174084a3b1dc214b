import type { PublicKey } from '@agent-id/core';
import { publicKeyFromDidKey } from '@agent-id/did';

export function toArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

const didKeys = new Map<string, PublicKey>();

/**
 * publicKeyFromDidKey with a bounded cache: decoding and point validation cost more than
 * the signature check, and the result depends only on the DID string.
 */
export function cachedDidKey(did: string): PublicKey {
  let key = didKeys.get(did);
  if (!key) {
    key = publicKeyFromDidKey(did);
    if (didKeys.size >= 1024) didKeys.delete(didKeys.keys().next().value as string);
    didKeys.set(did, key);
  }
  return key;
}
