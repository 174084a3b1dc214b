/** A delegation chain drawn from the user and the organisation down to the last agent. */
import type { DelegationHop, Scope } from '@agent-id/core';
import { Field, Shown, ShownList, isoSeconds } from './text.js';

/** What a hop narrowed relative to its parent's scope, in words. */
export function narrowedFrom(parent: Scope | undefined, child: Scope): string[] {
  if (parent === undefined) return [];
  const out: string[] = [];
  const dropped = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x));
  const added = (a: readonly string[], b: readonly string[]) => b.filter((x) => !a.includes(x));
  const list = (name: string, a: readonly string[], b: readonly string[]) => {
    const gone = dropped(a, b);
    const now = added(a, b);
    if (gone.length > 0 || now.length > 0) out.push(`${name}: ${a.join(', ')} → ${b.join(', ')}`);
  };
  list('resources', parent.resources, child.resources);
  list('actions', parent.actions, child.actions);
  list('audience', parent.audience, child.audience);
  if (child.expiresAt !== parent.expiresAt) out.push(`expiry: ${isoSeconds(parent.expiresAt)} → ${isoSeconds(child.expiresAt)}`);
  if (child.maxDepth !== parent.maxDepth) out.push(`depth: ${parent.maxDepth} → ${child.maxDepth}`);
  return out;
}

export interface ChainProps {
  onBehalfOf: string;
  issuer: string;
  task: string | null;
  hops: readonly DelegationHop[];
  /** `true` verified, `false` not verified, `undefined` not asked. */
  verified?: boolean | undefined;
  testid?: string;
}

function Node({ kind, name }: { kind: string; name: string }) {
  return (
    <div class="node" data-testid="chain-node" data-role={kind}>
      <span class="role">{kind}</span>
      <Shown text={name} class="name" />
    </div>
  );
}

/** The chain: user → organisation → each hop's delegate, every hop with its scope, narrowing and verification mark. */
export function Chain({ onBehalfOf, issuer, task, hops, verified, testid = 'chain' }: ChainProps) {
  const mark = verified === undefined ? 'unchecked' : verified ? 'verified' : 'unverified';
  return (
    <ol class="chain" data-testid={testid} aria-label="delegation chain">
      <li class="chain-item">
        <Node kind="user" name={onBehalfOf} />
      </li>
      <li class="chain-item">
        <div class="edge" aria-hidden="true">
          on behalf of
        </div>
        <Node kind="organisation" name={issuer} />
      </li>
      {hops.map((hop, i) => {
        const parent = hops[i - 1]?.granted;
        const narrowed = narrowedFrom(parent, hop.granted);
        return (
          <li class="chain-item" key={i}>
            <div class="edge hop" data-testid="hop" data-index={i} data-verified={mark}>
              <div class="hop-head">
                <span class="hop-index">hop {i}</span>
                <span class={`mark mark-${mark}`} data-testid="hop-mark">
                  {mark === 'verified' ? '✔ signature verified' : mark === 'unverified' ? '✘ not verified' : '? not checked'}
                </span>
              </div>
              <Field label="from">
                <Shown text={hop.from} />
              </Field>
              <Field label="resources">
                <span data-testid="hop-resources">
                  <ShownList items={hop.granted.resources} />
                </span>
              </Field>
              <Field label="actions">
                <span data-testid="hop-actions">
                  <ShownList items={hop.granted.actions} />
                </span>
              </Field>
              <Field label="audience">
                <ShownList items={hop.granted.audience} />
              </Field>
              <Field label="expires">
                <span data-testid="hop-expiry">{isoSeconds(hop.granted.expiresAt)}</span>
              </Field>
              <Field label="further hops">
                <span data-testid="hop-depth">{String(hop.granted.maxDepth)}</span>
              </Field>
              <Field label="task">{task === null ? <span class="muted">(none)</span> : <Shown text={task} />}</Field>
              {hop.issuedAt !== undefined ? <Field label="issued">{isoSeconds(hop.issuedAt)}</Field> : null}
              {i > 0 ? (
                <div class="narrowed" data-testid="hop-narrowed">
                  <span class="label">narrowed</span>
                  {narrowed.length === 0 ? (
                    <span class="muted">nothing (same scope as its parent)</span>
                  ) : (
                    <ul>
                      {narrowed.map((n, j) => (
                        <li key={j}>
                          <Shown text={n} />
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              ) : null}
            </div>
            <Node kind={i === hops.length - 1 ? 'agent (holder)' : 'agent'} name={hop.to} />
          </li>
        );
      })}
    </ol>
  );
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.slice(0, 256).map((x) => (typeof x === 'string' ? x : JSON.stringify(x) ?? '')) : []);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

/** A hop read from unverified JSON (an audit record), in the shape the drawing needs whatever the JSON held. */
export function displayHop(value: unknown): DelegationHop {
  const h = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const g = typeof h.granted === 'object' && h.granted !== null ? (h.granted as Record<string, unknown>) : {};
  return {
    from: typeof h.from === 'string' ? h.from : '',
    to: typeof h.to === 'string' ? h.to : '',
    granted: { resources: strings(g.resources), actions: strings(g.actions), audience: strings(g.audience), expiresAt: num(g.expiresAt), maxDepth: num(g.maxDepth) },
    ...(typeof h.issuedAt === 'number' ? { issuedAt: h.issuedAt } : {}),
  };
}
