import { join } from 'node:path';
import type { Clock } from '@agent-id/core';
import { type AgentIdentity, type DidResolver, StatusList, type StatusListResolver, createStatusListResolver } from '@agent-id/did';
import { FileStatusListStore } from '@agent-id/did/node';

/**
 * How long a verifier may reuse its copy of an organisation's status list (the list's `ttl`).
 * Short, so the demo shows a revocation reaching every verifier by moving the injected clock
 * past it, as time would in production (where the default is 5 minutes), not by clearing caches.
 */
export const STATUS_LIST_TTL_MS = 30_000;

/** The path of an organisation's revocation status list on its own did:web host. */
export const STATUS_LIST_PATH = '/status/revocation';

/**
 * An organisation's revocation status list (W3C Bitstring Status List), kept in a file in
 * `outDir` and signed by the organisation; every ownership credential it issues gets an entry.
 */
export async function openRevocationList(authority: Pick<AgentIdentity, 'did' | 'keyId' | 'keyPair'>, origin: string, org: string, outDir: string, clock: Clock): Promise<StatusList> {
  return StatusList.open({
    issuer: authority,
    url: `${origin}${STATUS_LIST_PATH}`,
    statusPurpose: 'revocation',
    store: await FileStatusListStore.open(join(outDir, `${org}-status-lists`)),
    ttlMs: STATUS_LIST_TTL_MS,
    clock,
  });
}

/**
 * The status list resolver of one organisation's verifiers (its tool server, its agents' A2A
 * guards, its card verifier): lists fetched from their issuers' hosts over loopback, cached
 * for their ttl on the demo's clock, and no stale list past it (fail closed at once).
 */
export function statusListsFor(resolver: DidResolver, clock: Clock): StatusListResolver {
  return createStatusListResolver(resolver, { allowHttpLoopback: true, clock, maxStaleMs: 0, timeoutMs: 3_000 });
}
