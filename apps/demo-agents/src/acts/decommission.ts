import { revokeCredential } from '@agent-id/did';
import type { Stage } from '../setup.js';
import { STATUS_LIST_TTL_MS } from '../status.js';
import type { Steps } from '../steps.js';
import { describeScope } from '../trace.js';
import { carryOn, handOff, toolCall } from './orders.js';

/** Past the status list's ttl: every verifier's cached copy is then stale and fetched anew. */
const CLOCK_MOVES_MS = STATUS_LIST_TTL_MS + 1_000;
/** A new task of Alice's, with a token of its own for the orchestrator. */
const TASK = 'task-crm-check';

/**
 * Act 7: Acme decommissions the researcher by revoking its ownership credential in Acme's
 * status list. The researcher's token stays valid, yet its next proof of control is refused by
 * the tool server and its card by the orchestrator's card check, both naming the status
 * check; its sibling, the orchestrator, keeps working. It runs as a new task of Alice's, so
 * its lines are told apart from the earlier acts'.
 */
export async function decommissionAnAgent(stage: Stage, steps: Steps): Promise<void> {
  const { tools, orgs, trace, agents } = stage;
  const acme = orgs.acme;
  const task = TASK;
  trace.emit('section', '7. Acme decommissions the researcher mid-run; its sibling keeps working');
  const freshHop = steps.expect('delegate-fresh-hop', { title: 'orchestrator → acme/researcher: read-only CRM, Biscuit, depth 0', shows: 'a valid token before the decommissioning', expected: 'delegated' });
  const before = steps.expect('fresh-hop-call', { title: 'researcher reads a customer record with the fresh hop', shows: 'its identity still good', expected: 'allow' });
  const after = steps.expect('decommissioned-call', {
    title: 'the decommissioned researcher calls the tools with the same, unexpired hop',
    shows: 'proof of control refused by the status check',
    expected: 'deny',
    code: 'revoked',
    check: 'credential_status',
  });
  const sibling = steps.expect('sibling-call', { title: 'orchestrator (same organisation) reads a customer record', shows: 'its sibling keeps working', expected: 'allow' });
  const card = steps.expect('decommissioned-card', {
    title: "orchestrator delegates to the decommissioned researcher (its card's ownership check)",
    shows: 'card ownership refused by the status check',
    expected: 'refused',
    code: 'revoked',
    check: 'credential_status',
  });

  const capability = {
    resources: ['crm:/customers/*'],
    actions: ['read'],
    audience: [acme.toolsUrl],
    expiresAt: Math.floor(stage.clock() / 1000) + 3600,
    maxDepth: 1,
    holder: agents['acme/orchestrator'].did,
    onBehalfOf: stage.user.did,
    task,
  };
  agents['acme/orchestrator'].hold(task, 'biscuit', await acme.mint(capability, 'biscuit'));
  trace.emit('delegate', `minted for ${trace.who(stage.user.did)}, task ${task}, to acme/orchestrator: ${describeScope(capability)}, audience Acme's tools, valid 1 h`, {
    actor: trace.who(acme.authority.did),
    graph: { type: 'delegate', from: trace.who(acme.authority.did), to: 'acme/orchestrator', format: 'biscuit', scope: describeScope(capability) },
  });
  steps.record(
    await stage.ask('"check customer c-42 in the CRM, with the researcher"', {
      task,
      delegations: [
        handOff(stage, freshHop, 'acme/researcher', {
          format: 'biscuit',
          narrowing: { resources: ['crm:/customers/*'], actions: ['read'], audience: [acme.toolsUrl], maxDepth: 0 },
          order: { task, calls: [toolCall(before, tools.acme, 'crm:/customers/c-42', 'read', 'biscuit')] },
        }),
      ],
    }),
  );

  const credential = acme.credentials.get('researcher');
  if (!credential) throw new Error('acme issued no credential to its researcher');
  const entry = await revokeCredential(credential, acme.statusList);
  trace.emit(
    'revoke',
    `decommissioned acme/researcher: revoked its ownership credential (entry ${entry.statusListIndex} of ${acme.statusList.url}, the list signed anew); its tokens are untouched`,
    // The credential's entry cuts every hop held by the researcher: the tree marks the edge into it.
    { actor: trace.who(acme.authority.did), graph: { type: 'revoke', from: 'acme/orchestrator', to: 'acme/researcher' } },
  );
  stage.advanceClock(CLOCK_MOVES_MS);
  trace.emit(
    'clock',
    `the injected clock moves ${CLOCK_MOVES_MS / 1000} s forward, past the list's ttl (${STATUS_LIST_TTL_MS / 1000} s): every verifier's cached copy is stale, and its next check fetches the list anew (no cache is cleared by hand)`,
  );

  trace.emit('a2a', `still running, calls ${trace.who(acme.tools.did)} on its own with the hop it was just given (no one asked it to)`, { actor: agents['acme/researcher'].name });
  steps.record(await agents['acme/researcher'].perform({ task, calls: [toolCall(after, tools.acme, 'crm:/customers/c-42', 'read', 'biscuit')] }));
  steps.record(
    await stage.ask('"read the customer record yourself, and ask the researcher to read it too"', {
      task,
      calls: [toolCall(sibling, tools.acme, 'crm:/customers/c-42', 'read', 'biscuit')],
      delegations: [carryOn(stage, card, 'acme/researcher', { task, calls: [toolCall('researcher-after-decommission', tools.acme, 'crm:/customers/c-42', 'read', 'biscuit')] })],
    }),
  );
}
