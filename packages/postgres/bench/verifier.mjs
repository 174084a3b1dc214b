// One verifier process of the propagation benchmark: authorizes the round's token in a loop
// (one check every CADENCE_MS, default 5 ms) and notes when (wall clock, ms) it first refused it as revoked.
import { performance } from 'node:perf_hooks';
import { PublicKey } from '@agent-id/core';
import { authorize } from '@agent-id/tokens';
import { PostgresRevocationStore } from '../dist/index.js';

const config = JSON.parse(process.argv[2]);
const CADENCE_MS = Number(process.env.CADENCE_MS ?? 5);
const store = await PostgresRevocationStore.open(config.url, { schema: config.schema });
const trustedRoots = PublicKey.fromMultibase(config.root);
let round = null;
let running = true;

// Each event is told once, unasked: polling 8 processes would load the CPU being measured.
process.on('message', (message) => {
  if (message.round !== undefined) round = { ...message, allowed: 0, refusedAt: null, other: null };
  if (message.stop) running = false;
});
process.send({ ready: true });

while (running) {
  const r = round;
  if (r !== null && r.refusedAt === null) {
    try {
      await authorize(r.wire, { trustedRoots, presenter: r.presenter, request: config.request, revocations: store });
      if (++r.allowed === 2) process.send({ round: r.round, allowing: true });
    } catch (error) {
      if (error?.code === 'revoked') {
        r.refusedAt = performance.timeOrigin + performance.now();
        process.send({ round: r.round, refusedAt: r.refusedAt });
      } else {
        r.other = String(error?.code ?? error);
        process.send({ round: r.round, other: r.other });
      }
    }
  }
  // One check every CADENCE_MS (default 5): 8 verifiers spinning flat out on a 2-core machine would
  // time the scheduler, not the feed.
  await new Promise((resolve) => setTimeout(resolve, CADENCE_MS));
}
await store.close();
process.exit(0);
