import type { Scope } from '@agent-id/core';
import type { TokenFormat } from '@agent-id/tokens';

/** What kind of line a trace event is; the printer picks a marker from it. */
export type TraceKind = 'section' | 'setup' | 'a2a' | 'card' | 'delegate' | 'allow' | 'deny' | 'refuse' | 'revoke' | 'clock' | 'audit' | 'note';

/**
 * What an event changes in the delegation tree, by display name: the console's live view grows
 * its tree from these (the printed trace ignores them).
 */
export type TraceGraph =
  | { type: 'delegate'; from: string; to: string; format: TokenFormat; scope: string }
  | { type: 'refuse'; from: string; to?: string; code: string; check?: string }
  | { type: 'decision'; decision: 'allow' | 'deny'; chain: string[]; code?: string; check?: string }
  | { type: 'revoke'; from: string; to: string };

/** One line of the readable trace: never a whole token or key. */
export interface TraceEvent {
  seq: number;
  kind: TraceKind;
  /** Display name of the actor, e.g. `acme/orchestrator`. */
  actor?: string;
  /** Display name of the other party, e.g. the delegate of a delegation (`actor → to`). */
  to?: string;
  text: string;
  /** Scenario step id, when the line belongs to one. */
  step?: string;
  /** What the event changes in the delegation tree, when it changes it. */
  graph?: TraceGraph;
}

/** Who an event is by (and, for a delegation, to whom), and which step it belongs to. */
export interface TraceParties {
  actor?: string;
  to?: string;
  step?: string;
  graph?: TraceGraph;
}

/**
 * Collects trace events in order and names DIDs and servers for display. Servers and agents
 * all run in this process, so one trace sees every hop as it happens.
 */
export class Trace {
  readonly events: TraceEvent[] = [];
  readonly #names = new Map<string, string>();
  readonly #origins = new Map<string, string>();
  readonly #listeners: Array<(event: TraceEvent) => void> = [];

  /** Calls `listener` for every later event (main.ts prints them live). */
  onEvent(listener: (event: TraceEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Registers a display name for a DID. */
  name(did: string, name: string): void {
    this.#names.set(did, name);
  }

  /** Registers the organisation that runs the server at `origin` (`http://127.0.0.1:<port>`). */
  nameOrigin(origin: string, organisation: string): void {
    this.#origins.set(new URL(origin).origin, organisation);
  }

  /** Display name of a DID (or a shortened DID when unknown). */
  who(did: string | undefined): string {
    if (did === undefined) return '?';
    const known = this.#names.get(did);
    if (known) return known;
    return did.length > 48 ? `${did.slice(0, 32)}…${did.slice(-8)}` : did;
  }

  /** Display names along a delegation chain, authority first (`[]` for no chain). */
  chain(hops: readonly { from: string; to: string }[]): string[] {
    return hops.length === 0 ? [] : [this.who(hops[0]!.from), ...hops.map((h) => this.who(h.to))];
  }

  /** The organisation whose server serves `url` (or the URL's host when unknown). */
  whereIs(url: string): string {
    let origin: URL;
    try {
      origin = new URL(url);
    } catch {
      return '?';
    }
    return this.#origins.get(origin.origin) ?? origin.host;
  }

  /**
   * The tree change of a tool server's decision: the chain it verified, by name, authority first
   * (just the caller when the decision names no chain, e.g. a refusal before the token was read).
   */
  decision(caller: string, d: { decision: 'allow' | 'deny'; chain?: readonly { from: string; to: string }[]; code?: string; check?: string }): TraceGraph {
    const chain = this.chain(d.chain ?? []);
    const graph: TraceGraph = { type: 'decision', decision: d.decision, chain: chain.length > 0 ? chain : [caller] };
    if (d.decision === 'deny' && d.code !== undefined) graph.code = d.code;
    if (d.decision === 'deny' && d.check !== undefined) graph.check = d.check;
    return graph;
  }

  emit(kind: TraceKind, text: string, parties: TraceParties = {}): void {
    const event: TraceEvent = { seq: this.events.length + 1, kind, text };
    if (parties.actor !== undefined) event.actor = parties.actor;
    if (parties.to !== undefined) event.to = parties.to;
    if (parties.step !== undefined) event.step = parties.step;
    if (parties.graph !== undefined) event.graph = parties.graph;
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

/** Formats one event as a line of text: `<marker> <actor> → <to>: <text>`. */
export function formatTraceEvent(event: TraceEvent): string {
  if (event.kind === 'section') return `\n== ${event.text}`;
  const parties = event.actor ? `${event.actor}${event.to ? ` → ${event.to}` : ''}: ` : '';
  return `${MARKERS[event.kind]} ${parties}${event.text}`;
}

/** `quote+read on inventory:/widgets/* (depth 1)`, sorted so both token formats read alike. */
export function describeScope(scope: Pick<Scope, 'actions' | 'resources' | 'maxDepth'>): string {
  return `${[...scope.actions].sort().join('+')} on ${[...scope.resources].sort().join(', ')} (depth ${scope.maxDepth})`;
}
