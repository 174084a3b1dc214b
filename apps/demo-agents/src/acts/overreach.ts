import type { Stage } from '../setup.js';
import type { Steps } from '../steps.js';
import { carryOn, handOff, toolCall } from './orders.js';

/**
 * Act 2: sub-agents try more than they were given. The tool servers deny the researcher's
 * write and the quoter's gadget; `attenuate` refuses, offline, the analyst's attempt to hand
 * on an action it never held.
 */
export async function tryMoreThanGiven(stage: Stage, steps: Steps): Promise<void> {
  const { task, tools } = stage;
  stage.trace.emit('section', '2. Sub-agents try to use more than they were given');
  const researcherWrites = steps.expect('researcher-overreach', { title: 'researcher (read-only CRM) tries to write the Q3 report', shows: 'sub-agent over-reach refused', expected: 'deny', code: 'denied' });
  const analystWidens = steps.expect('analyst-widens', {
    title: 'analyst tries to give the quoter "write" (it only holds read+quote)',
    shows: 'widening refused at attenuation, offline',
    expected: 'refused',
    code: 'scope_widened',
  });
  const quoterStrays = steps.expect('quoter-overreach', { title: 'quoter (w-7 only) tries to quote gadget g-1', shows: 'sub-agent over-reach refused', expected: 'deny', code: 'denied' });

  steps.record(
    await stage.ask('"also update the Q3 report, and quote the gadgets too"', {
      task,
      delegations: [
        carryOn(stage, 'researcher-continue-1', 'acme/researcher', { task, calls: [toolCall(researcherWrites, tools.acme, 'reports:/q3/summary', 'write')] }),
        carryOn(stage, 'analyst-continue-1', 'globex/analyst', {
          task,
          delegations: [
            handOff(stage, analystWidens, 'globex/quoter', { narrowing: { resources: ['inventory:/widgets/*'], actions: ['quote', 'write'], maxDepth: 0 }, order: { task } }),
            carryOn(stage, 'quoter-continue-1', 'globex/quoter', { task, calls: [toolCall(quoterStrays, tools.globex, 'inventory:/gadgets/g-1', 'quote')] }),
          ],
        }),
      ],
    }),
  );
}
