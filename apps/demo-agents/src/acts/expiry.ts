import type { Stage } from '../setup.js';
import type { Steps } from '../steps.js';
import { carryOn, handOff, toolCall } from './orders.js';

const LIFETIME_SECONDS = 30;
const CLOCK_MOVES_MS = 60_000;

/**
 * Act 4: the researcher gets a 30-second hop and uses it; the injected clock moves 60 s and
 * the same token is refused as expired.
 */
export async function expireShortLivedToken(stage: Stage, steps: Steps): Promise<void> {
  const { task, tools, orgs } = stage;
  stage.trace.emit('section', '4. A short-lived token expires');
  const shortLived = steps.expect('delegate-short-lived', { title: `orchestrator → researcher: read Q3 reports, Biscuit, valid ${LIFETIME_SECONDS} s`, shows: 'short-lived hop', expected: 'delegated' });
  const inTime = steps.expect('short-lived-call', { title: `researcher reads the Q3 draft within ${LIFETIME_SECONDS} s`, shows: 'short-lived token works while valid', expected: 'allow' });
  const tooLate = steps.expect('expired-call', {
    title: `researcher uses the ${LIFETIME_SECONDS}-second token ${CLOCK_MOVES_MS / 1000} s later`,
    shows: 'expired token refused',
    expected: 'deny',
    code: 'expired',
  });

  steps.record(
    await stage.ask(`"give the researcher ${LIFETIME_SECONDS} seconds to read the Q3 draft"`, {
      task,
      delegations: [
        handOff(stage, shortLived, 'acme/researcher', {
          format: 'biscuit',
          ttlSeconds: LIFETIME_SECONDS,
          narrowing: { resources: ['reports:/q3/*'], actions: ['read'], audience: [orgs.acme.toolsUrl], maxDepth: 0 },
          order: { task, calls: [toolCall(inTime, tools.acme, 'reports:/q3/draft', 'read', 'biscuit')] },
        }),
      ],
    }),
  );
  stage.advanceClock(CLOCK_MOVES_MS);
  stage.trace.emit('clock', `the injected clock moves ${CLOCK_MOVES_MS / 1000} s forward (no sleeping)`);
  steps.record(
    await stage.ask('"read the Q3 draft again"', {
      task,
      delegations: [carryOn(stage, 'researcher-continue-2', 'acme/researcher', { task, calls: [toolCall(tooLate, tools.acme, 'reports:/q3/draft', 'read', 'biscuit')] })],
    }),
  );
}
