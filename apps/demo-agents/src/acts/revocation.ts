import type { Stage } from '../setup.js';
import type { Steps } from '../steps.js';
import { carryOn, toolCall } from './orders.js';

/**
 * Act 5: Acme revokes the orchestrator → researcher hop of act 1 in its revocation store.
 * The researcher is refused at once; the Globex branch (analyst, quoter) keeps working.
 */
export async function revokeOneBranch(stage: Stage, steps: Steps): Promise<void> {
  const { task, tools, orgs, trace } = stage;
  trace.emit('section', "5. Acme revokes the researcher's branch mid-run; the Globex branch keeps working");
  const hop = steps.delegation('delegate-researcher');
  if (!hop?.revocationId) throw new Error('the researcher delegation reported no revocation id');
  await orgs.acme.revocations.revoke({ kind: 'token', id: hop.revocationId }, { reason: 'alice cancelled the research part', at: stage.clock() });
  trace.emit('revoke', `revoked the hop acme/orchestrator → acme/researcher (${hop.format ?? 'token'} hop id ${hop.revocationId.slice(0, 12)}…) in Acme's revocation store`, {
    actor: trace.who(orgs.acme.authority.did),
    graph: { type: 'revoke', from: 'acme/orchestrator', to: 'acme/researcher' },
  });
  const revoked = steps.expect('revoked-call', { title: 'researcher reads a customer record after its hop was revoked', shows: 'revoked branch stops at once', expected: 'deny', code: 'revoked' });
  const analystCall = steps.expect('analyst-after-revoke', { title: 'analyst reads widget stock after the revocation', shows: 'other branch keeps working', expected: 'allow' });
  const quoterCall = steps.expect('quoter-after-revoke', { title: 'quoter quotes widget w-7 after the revocation', shows: 'other branch keeps working (3 hops)', expected: 'allow' });

  steps.record(
    await stage.ask('"carry on"', {
      task,
      delegations: [
        carryOn(stage, 'researcher-continue-3', 'acme/researcher', { task, calls: [toolCall(revoked, tools.acme, 'crm:/customers/c-42', 'read', 'macaroon')] }),
        carryOn(stage, 'analyst-continue-2', 'globex/analyst', {
          task,
          calls: [toolCall(analystCall, tools.globex, 'inventory:/widgets/w-7', 'read')],
          delegations: [carryOn(stage, 'quoter-continue-2', 'globex/quoter', { task, calls: [toolCall(quoterCall, tools.globex, 'inventory:/widgets/w-7', 'quote')] })],
        }),
      ],
    }),
  );
}
