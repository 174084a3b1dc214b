/** Live view: the delegation tree grown from the console server's event stream (`/events`). */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { LiveEvent } from '../live-event.js';
import { Shown } from './text.js';

/** Most events kept; older ones leave the log (the tree keeps what they built). */
const MAX_LOG = 2000;
const MAX_NODES = 500;
const MAX_EVENT_CHARS = 16_384;

type EdgeState = 'live' | 'revoked' | 'refused';

interface Edge {
  from: string;
  to: string;
  state: EdgeState;
  scope: string;
  format: string;
  code?: string;
}

interface Tree {
  /** Edges by `from\u0000to`, in arrival order. */
  edges: Map<string, Edge>;
  /** Nodes in arrival order. */
  nodes: string[];
  /** Each node's last decision. */
  decisions: Map<string, { decision: 'allow' | 'deny'; code?: string }>;
  /** Nodes that had a delegation refused. */
  refusals: Map<string, string>;
  log: LiveEvent[];
  lastSeq: number;
}

const key = (from: string, to: string) => `${from}\u0000${to}`;
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The event, if it is one of the known shapes (the stream is treated as untrusted). */
function readEvent(data: unknown): LiveEvent | undefined {
  if (typeof data !== 'string' || data.length > MAX_EVENT_CHARS) return undefined;
  let e: unknown;
  try {
    e = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof e !== 'object' || e === null) return undefined;
  const v = e as Record<string, unknown>;
  if (typeof v.seq !== 'number' || !Number.isFinite(v.seq) || typeof v.text !== 'string') return undefined;
  switch (v.type) {
    case 'section':
    case 'note':
      return { type: v.type, seq: v.seq, text: v.text };
    case 'delegate':
      if (typeof v.from !== 'string' || typeof v.to !== 'string') return undefined;
      return { type: 'delegate', seq: v.seq, from: v.from, to: v.to, format: v.format === 'macaroon' ? 'macaroon' : 'biscuit', scope: text(v.scope), text: v.text };
    case 'refuse':
      if (typeof v.from !== 'string' || typeof v.code !== 'string') return undefined;
      return { type: 'refuse', seq: v.seq, from: v.from, ...(typeof v.to === 'string' ? { to: v.to } : {}), code: v.code, ...(typeof v.check === 'string' ? { check: v.check } : {}), text: v.text };
    case 'decision':
      if ((v.decision !== 'allow' && v.decision !== 'deny') || !Array.isArray(v.chain)) return undefined;
      return {
        type: 'decision',
        seq: v.seq,
        decision: v.decision,
        chain: v.chain.filter((n): n is string => typeof n === 'string').slice(0, 64),
        ...(typeof v.code === 'string' ? { code: v.code } : {}),
        ...(typeof v.check === 'string' ? { check: v.check } : {}),
        text: v.text,
      };
    case 'revoke':
      if (typeof v.from !== 'string' || typeof v.to !== 'string') return undefined;
      return { type: 'revoke', seq: v.seq, from: v.from, to: v.to, text: v.text };
    default:
      return undefined;
  }
}

function addNode(tree: Tree, name: string): void {
  if (!tree.nodes.includes(name) && tree.nodes.length < MAX_NODES) tree.nodes.push(name);
}

/** The tree after `event` (a new object, for rendering). */
function apply(tree: Tree, event: LiveEvent): Tree {
  // A reconnecting EventSource is sent the history again: what was seen is skipped.
  if (event.seq <= tree.lastSeq) return tree;
  const next: Tree = { ...tree, edges: new Map(tree.edges), decisions: new Map(tree.decisions), refusals: new Map(tree.refusals), nodes: [...tree.nodes], lastSeq: event.seq };
  next.log = [...tree.log, event].slice(-MAX_LOG);
  switch (event.type) {
    case 'delegate':
      addNode(next, event.from);
      addNode(next, event.to);
      next.edges.set(key(event.from, event.to), { from: event.from, to: event.to, state: 'live', scope: event.scope, format: event.format });
      break;
    case 'refuse':
      addNode(next, event.from);
      next.refusals.set(event.from, event.code);
      if (event.to !== undefined) {
        addNode(next, event.to);
        const k = key(event.from, event.to);
        if (next.edges.get(k)?.state !== 'live') next.edges.set(k, { from: event.from, to: event.to, state: 'refused', scope: '', format: '', code: event.code });
      }
      break;
    case 'revoke': {
      const k = key(event.from, event.to);
      const edge = next.edges.get(k);
      if (edge) next.edges.set(k, { ...edge, state: 'revoked' });
      break;
    }
    case 'decision': {
      const agent = event.chain.at(-1);
      if (agent !== undefined) next.decisions.set(agent, { decision: event.decision, ...(event.code !== undefined ? { code: event.code } : {}) });
      break;
    }
    default:
      break;
  }
  return next;
}

const EMPTY: Tree = { edges: new Map(), nodes: [], decisions: new Map(), refusals: new Map(), log: [], lastSeq: Number.NEGATIVE_INFINITY };

function NodeLabel({ tree, name }: { tree: Tree; name: string }) {
  const d = tree.decisions.get(name);
  const refused = tree.refusals.get(name);
  return (
    <span class="node">
      <Shown text={name} max={120} />
      {d ? (
        <span class={`badge badge-${d.decision}`} data-testid="live-decision" data-decision={d.decision}>
          {d.decision}
          {d.code ? ` (${d.code})` : ''}
        </span>
      ) : null}
      {refused !== undefined ? (
        <span class="badge badge-refused" data-testid="live-refusal">
          refused a delegation (<Shown text={refused} max={60} />)
        </span>
      ) : null}
    </span>
  );
}

/** The subtree below `name`; `cut` when an edge above it is revoked. */
function Subtree({ tree, name, cut, seen }: { tree: Tree; name: string; cut: boolean; seen: Set<string> }): ComponentChildren {
  const children = [...tree.edges.values()].filter((e) => e.from === name && !seen.has(e.to));
  if (children.length === 0) return null;
  return (
    <ul>
      {children.map((e) => {
        const state: EdgeState = cut && e.state !== 'refused' ? 'revoked' : e.state;
        const below = new Set(seen).add(e.to);
        return (
          <li key={e.to} data-testid="live-node" data-name={e.to} data-state={state}>
            <NodeLabel tree={tree} name={e.to} />
            {state === 'revoked' ? <span class="badge badge-revoked">revoked</span> : null}
            {state === 'refused' ? <span class="badge badge-refused">not delegated{e.code ? ` (${e.code})` : ''}</span> : null}
            {e.scope ? (
              <span class="muted">
                {' '}
                <Shown text={`${e.format}: ${e.scope}`} max={160} />
              </span>
            ) : null}
            {Subtree({ tree, name: e.to, cut: state === 'revoked', seen: below })}
          </li>
        );
      })}
    </ul>
  );
}

export function LiveView({ active }: { active: boolean }) {
  const [tree, setTree] = useState<Tree>(EMPTY);
  const [status, setStatus] = useState<'idle' | 'connecting' | 'open' | 'closed'>('idle');
  const [started, setStarted] = useState(false);

  useEffect(() => {
    if (active) setStarted(true);
  }, [active]);

  useEffect(() => {
    if (!started) return;
    setStatus('connecting');
    const source = new EventSource('./events');
    source.onopen = () => setStatus('open');
    source.onerror = () => setStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    source.onmessage = (m: MessageEvent) => {
      const event = readEvent(m.data);
      if (event) setTree((t) => apply(t, event));
    };
    return () => source.close();
  }, [started]);

  const targets = new Set([...tree.edges.values()].map((e) => e.to));
  const roots = tree.nodes.filter((n) => !targets.has(n));
  // Nodes no root reaches (edges forming a cycle) are drawn from the first of them, so every node shows.
  const reached = new Set<string>();
  const reach = (from: string) => {
    if (reached.has(from)) return;
    reached.add(from);
    for (const e of tree.edges.values()) if (e.from === from) reach(e.to);
  };
  for (const r of roots) reach(r);
  for (const n of tree.nodes) {
    if (reached.has(n)) continue;
    roots.push(n);
    reach(n);
  }

  return (
    <section class="view" aria-labelledby="live-title" data-testid="view-live">
      <h2 id="live-title">Live view</h2>
      <p data-testid="live-status" data-state={status}>
        {status === 'open'
          ? 'Connected to this console server’s event stream.'
          : status === 'closed'
            ? 'No event stream: start the console with an event source (the demo does, with pnpm demo --serve).'
            : status === 'connecting'
              ? 'Connecting…'
              : 'Not connected.'}
      </p>
      <div class="live">
        <div>
          <h3>Delegation tree</h3>
          <ul class="tree" data-testid="live-tree">
            {roots.map((r) => (
              <li key={r} data-testid="live-node" data-name={r} data-state="live" data-root="true">
                <NodeLabel tree={tree} name={r} />
                {Subtree({ tree, name: r, cut: false, seen: new Set([r]) })}
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>Events</h3>
          <ol class="log" data-testid="live-log" aria-live="polite">
            {tree.log.map((e) => (
              <li key={e.seq} data-type={e.type}>
                <Shown text={e.text} max={400} />
                {e.type === 'refuse' || (e.type === 'decision' && e.code) ? (
                  <>
                    {' '}
                    <code>{e.code}</code>
                    {e.check ? <code> {e.check}</code> : null}
                  </>
                ) : null}
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}
