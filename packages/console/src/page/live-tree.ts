/** The live view's model: events read from the stream (untrusted), and the delegation tree they build. */
import type { LiveEvent } from '../live-event.js';

/** Most events kept; older ones leave the log (the tree keeps what they built). */
const MAX_LOG = 2000;
const MAX_NODES = 500;
const MAX_EVENT_CHARS = 16_384;

export type EdgeState = 'live' | 'revoked' | 'refused';

interface Edge {
  from: string;
  to: string;
  state: EdgeState;
  scope: string;
  format: string;
  code?: string;
}

export interface Tree {
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
export function readEvent(data: unknown): LiveEvent | undefined {
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
export function apply(tree: Tree, event: LiveEvent): Tree {
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
        // A refused delegation adds no hop: it never un-cuts a revoked edge nor hides a live one.
        if (next.edges.get(k) === undefined) next.edges.set(k, { from: event.from, to: event.to, state: 'refused', scope: '', format: '', code: event.code });
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

export const EMPTY: Tree = { edges: new Map(), nodes: [], decisions: new Map(), refusals: new Map(), log: [], lastSeq: Number.NEGATIVE_INFINITY };
