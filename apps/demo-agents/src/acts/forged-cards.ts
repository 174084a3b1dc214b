import type { Stage } from '../setup.js';
import type { Steps } from '../steps.js';
import { type Hop, handOff } from './orders.js';

/**
 * Act 3: the orchestrator is pointed at Mallory's server for "the Globex analyst". An
 * impostor's card (signed by Mallory) and Globex's genuine card with its endpoint moved are
 * both refused by card verification, before any token leaves.
 */
export async function refuseForgedCards(stage: Stage, steps: Steps): Promise<void> {
  const { task, orgs, forgedCards } = stage;
  stage.trace.emit('section', '3. Forged or untrusted agent cards are refused before any token leaves');
  const untrusted = steps.expect('card-untrusted', {
    title: 'impostor card ("Globex analyst" signed by Mallory\'s DID)',
    shows: 'untrusted agent card refused',
    expected: 'refused',
    code: 'untrusted_signer',
  });
  const tampered = steps.expect('card-tampered', { title: "Globex's genuine card, endpoint moved to Mallory's server", shows: 'forged agent card refused', expected: 'refused', code: 'invalid_signature' });
  const wouldGrant: Hop = { format: 'biscuit', narrowing: { resources: ['inventory:/widgets/*'], actions: ['read'], audience: [orgs.globex.toolsUrl], maxDepth: 0 }, order: { task } };

  steps.record(
    await stage.ask('"use the cheaper Globex pricing agent at this other address"', {
      task,
      delegations: [
        handOff(stage, untrusted, 'globex/analyst', { ...wouldGrant, cardUrl: forgedCards.impostor }),
        handOff(stage, tampered, 'globex/analyst', { ...wouldGrant, cardUrl: forgedCards.tampered }),
      ],
    }),
  );
}
