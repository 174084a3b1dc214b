import type { LiveEvent } from '@agent-id/console';
import type { LiveEventSource } from '@agent-id/console/node';
import { type TraceEvent, formatTraceEvent } from './trace.js';

/**
 * The console's view of a trace event: what it changes in the delegation tree (a hop, a
 * refusal, a decision, a revocation), or a line for the event log.
 *
 * @example
 * ```ts
 * trace.onEvent((e) => feed.push(liveEventOf(e)));
 * ```
 */
export function liveEventOf(event: TraceEvent): LiveEvent {
  const { seq, text } = event;
  if (event.kind === 'section') return { type: 'section', seq, text };
  if (event.graph) return { ...event.graph, seq, text };
  return { type: 'note', seq, text: formatTraceEvent(event).trim() };
}

/**
 * The demo's events for the console's live view: every event so far for a page that connects
 * late, then each new one as it happens.
 *
 * @example
 * ```ts
 * const feed = new LiveFeed();
 * const console = await serveConsole({ events: feed });
 * await runScenario({ onTrace: (e) => feed.push(liveEventOf(e)) });
 * ```
 */
export class LiveFeed implements LiveEventSource {
  readonly #events: LiveEvent[] = [];
  readonly #listeners = new Set<(event: LiveEvent) => void>();

  push(event: LiveEvent): void {
    this.#events.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  history(): readonly LiveEvent[] {
    return this.#events;
  }
}
