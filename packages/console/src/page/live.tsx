/** Live view: the delegation tree grown from the console server's event stream (`/events`). */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { EMPTY, type EdgeState, type Tree, apply, readEvent } from './live-tree.js';
import { Shown } from './text.js';

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
