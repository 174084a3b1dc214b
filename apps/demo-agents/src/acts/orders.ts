import type { TokenFormat } from '@agent-id/tokens';
import type { AgentName, Stage } from '../setup.js';
import type { DelegationOrder, ToolCallOrder, WorkOrder } from '../work.js';

/** A tool call the receiving agent makes with the token it holds for the task. */
export function toolCall(step: string, service: string, resource: string, action: string, format?: TokenFormat): ToolCallOrder {
  return { step, service, resource, action, ...(format ? { format } : {}) };
}

/** What a fresh hop narrows to, and the work its delegate then does. */
export type Hop = Pick<DelegationOrder, 'format' | 'narrowing' | 'ttlSeconds' | 'order'> & {
  /** Where to fetch the delegate's card, when not its own organisation's server (a forged card). */
  cardUrl?: string;
};

/** A delegation to `delegate`: verify its card, attenuate a fresh narrower hop to it, send the work with it. */
export function handOff(stage: Stage, step: string, delegate: AgentName, hop: Hop): DelegationOrder {
  const { cardUrl, ...rest } = hop;
  return { step, intendedDelegate: delegate, cardUrl: cardUrl ?? stage.cardUrl(delegate), handoff: 'new', ...rest };
}

/** Work for `delegate` to do with the token it already holds (its card is verified again). */
export function carryOn(stage: Stage, step: string, delegate: AgentName, order: WorkOrder): DelegationOrder {
  return { step, intendedDelegate: delegate, cardUrl: stage.cardUrl(delegate), handoff: 'held', order };
}
