import type { Stage } from '../setup.js';
import type { Steps } from '../steps.js';
import { handOff, toolCall } from './orders.js';

/**
 * Act 1, the happy path: the orchestrator uses its own token, then hands a narrower hop to
 * the researcher (Macaroon, inside Acme) and, after verifying Globex's signed card, to the
 * Globex analyst (Biscuit), who hands a narrower one still to the quoter. Every hop's call
 * is allowed.
 */
export async function narrowAtEveryHop(stage: Stage, steps: Steps): Promise<void> {
  const { task, tools, orgs } = stage;
  stage.trace.emit('section', '1. Alice asks the orchestrator; every hop gets a narrower token and uses it');
  const orchestratorCall = steps.expect('orchestrator-call', { title: 'orchestrator reads the customer record with its own (root) token', shows: 'successful call, 1-hop chain', expected: 'allow' });
  const toResearcher = steps.expect('delegate-researcher', { title: 'orchestrator → acme/researcher: read-only CRM, Macaroon, depth 0', shows: 'offline attenuation (Macaroon)', expected: 'delegated' });
  const researcherCall = steps.expect('researcher-call', { title: 'researcher reads a customer record (Macaroon, 2-hop chain)', shows: 'successful narrowed call, 2 hops within Acme', expected: 'allow' });
  const toAnalyst = steps.expect('delegate-analyst', {
    title: "orchestrator verifies Globex's signed card → globex/analyst: widgets read+quote, Biscuit, depth 1",
    shows: 'cross-org delegation after card verification (Biscuit)',
    expected: 'delegated',
  });
  const analystCall = steps.expect('analyst-call', { title: 'globex/analyst reads widget stock at Globex (Biscuit, 2-hop chain)', shows: 'successful narrowed call, 2 hops across organisations', expected: 'allow' });
  const toQuoter = steps.expect('delegate-quoter', { title: 'globex/analyst → globex/quoter: quote widget w-7 only, depth 0', shows: 'third hop, signed by the analyst', expected: 'delegated' });
  const quoterCall = steps.expect('quoter-call', { title: 'globex/quoter quotes widget w-7 (Biscuit, 3-hop chain)', shows: 'successful narrowed call, 3 hops', expected: 'allow' });

  steps.record(
    await stage.ask('"price widgets for customer c-42 and draft the Q3 report"', {
      task,
      calls: [toolCall(orchestratorCall, tools.acme, 'crm:/customers/c-42', 'read', 'biscuit')],
      delegations: [
        handOff(stage, toResearcher, 'acme/researcher', {
          format: 'macaroon',
          narrowing: { resources: ['crm:/customers/*'], actions: ['read'], audience: [orgs.acme.toolsUrl], maxDepth: 0 },
          order: { task, calls: [toolCall(researcherCall, tools.acme, 'crm:/customers/c-42', 'read')] },
        }),
        handOff(stage, toAnalyst, 'globex/analyst', {
          format: 'biscuit',
          narrowing: { resources: ['inventory:/widgets/*'], actions: ['read', 'quote'], audience: [orgs.globex.toolsUrl], maxDepth: 1 },
          order: {
            task,
            calls: [toolCall(analystCall, tools.globex, 'inventory:/widgets/w-7', 'read')],
            delegations: [
              handOff(stage, toQuoter, 'globex/quoter', {
                narrowing: { resources: ['inventory:/widgets/w-7'], actions: ['quote'], maxDepth: 0 },
                order: { task, calls: [toolCall(quoterCall, tools.globex, 'inventory:/widgets/w-7', 'quote')] },
              }),
            ],
          },
        }),
      ],
    }),
  );
}
