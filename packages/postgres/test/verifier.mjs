// One verifier process for the fleet tests and the benchmark: follows the revocation feed
// and authorizes the same token in a loop, recording, for every check, the feed number it
// had applied before and after, so the parent can tell exactly what it knew at each decision.
import { performance } from 'node:perf_hooks';
import { PublicKey } from '@agent-id/core';
import { authorize } from '@agent-id/tokens';
import { PostgresRevocationStore } from '../dist/index.js';

const config = JSON.parse(process.argv[2]);
const store = await PostgresRevocationStore.open(config.url, { schema: config.schema, maxStalenessMs: config.maxStalenessMs ?? 5000 });
const options = { trustedRoots: PublicKey.fromMultibase(config.root), presenter: config.presenter, request: config.request, revocations: store };
const stats = { checks: 0, allowed: 0, refused: 0, stale: 0, other: [], maxSeqBeforeAllowed: -1, minSeqAfterRefused: null, firstRefusedAt: null, lastAllowedAt: null };
let running = true;

process.on('message', (message) => {
  if (message === 'report') process.send({ report: { ...stats, sequence: store.sequence } });
  if (message === 'stop') running = false;
});
process.send({ ready: true });

while (running) {
  const before = store.sequence;
  try {
    await authorize(config.wire, options);
    stats.allowed++;
    stats.maxSeqBeforeAllowed = Math.max(stats.maxSeqBeforeAllowed, before);
    stats.lastAllowedAt = performance.timeOrigin + performance.now();
  } catch (error) {
    const after = store.sequence;
    if (error?.code === 'revoked') {
      stats.refused++;
      stats.minSeqAfterRefused = Math.min(stats.minSeqAfterRefused ?? after, after);
      stats.firstRefusedAt ??= performance.timeOrigin + performance.now();
    } else if (error?.code === 'revocation_stale') stats.stale++;
    else if (stats.other.length < 5) stats.other.push(String(error?.code ?? error));
  }
  stats.checks++;
  // A millisecond between checks lets the feed's notifications in, as a server's event loop
  // would, and keeps 8 processes from starving each other (and the database) on 2 cores.
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await store.close();
process.exit(0);
