/** What kind of line a trace event is; the printer picks a marker from it. */
export type TraceKind = 'section' | 'setup' | 'a2a' | 'card' | 'delegate' | 'allow' | 'deny' | 'refuse' | 'revoke' | 'clock' | 'audit' | 'note';

/** One line of the readable trace: never a whole token or key. */
export interface TraceEvent {
  seq: number;
  kind: TraceKind;
  /** Display name of the actor, e.g. `acme/orchestrator`. */
  actor?: string;
  text: string;
  /** Scenario step id, when the line belongs to one. */
  step?: string;
}

/**
 * Collects trace events in order and names DIDs for display. Servers and agents all run in
 * this process, so one trace sees every hop as it happens.
 */
export class Trace {
  readonly events: TraceEvent[] = [];
  readonly #names = new Map<string, string>();
  readonly #listeners: Array<(event: TraceEvent) => void> = [];

  /** Calls `listener` for every later event (main.ts prints them live). */
  onEvent(listener: (event: TraceEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Registers a display name for a DID. */
  name(did: string, name: string): void {
    this.#names.set(did, name);
  }

  /** Display name of a DID (or a shortened DID when unknown). */
  who(did: string | undefined): string {
    if (did === undefined) return '?';
    const known = this.#names.get(did);
    if (known) return known;
    return did.length > 48 ? `${did.slice(0, 32)}…${did.slice(-8)}` : did;
  }

  emit(kind: TraceKind, text: string, options: { actor?: string; step?: string } = {}): void {
    const event: TraceEvent = { seq: this.events.length + 1, kind, text };
    if (options.actor !== undefined) event.actor = options.actor;
    if (options.step !== undefined) event.step = options.step;
    this.events.push(event);
    for (const listener of this.#listeners) listener(event);
  }
}

const MARKERS: Record<TraceKind, string> = {
  section: '',
  setup: '  ·',
  a2a: '  ⇢',
  card: '  ▣',
  delegate: '  ↳',
  allow: '  ✔',
  deny: '  ✘',
  refuse: '  ✘',
  revoke: '  ⊘',
  clock: '  ⏱',
  audit: '  ≡',
  note: '   ',
};

/** Formats one event as a line of text. */
export function formatTraceEvent(event: TraceEvent): string {
  if (event.kind === 'section') return `\n== ${event.text}`;
  const actor = event.actor ? `${event.actor}: ` : '';
  return `${MARKERS[event.kind]} ${actor}${event.text}`;
}
