import type { Scope } from '@agent-id/core';
import type { CheckView, FactView, OpView, TermValue } from './proto/block.js';
import type { BlockInput } from './proto/block-writer.js';
import { ANY, CONTAINS, LAZY_OR, LESS_OR_EQUAL, LESS_THAN, PREFIX } from './proto/op-kinds.js';
import { equalBytes } from '@agent-id/core/internal';

// Every value enters Datalog as a parameter; these templates are the only code.

// `issued_at` (a date) is when the hop was made: a verifier refuses a hop issued after its
// own time plus its tolerance, natively, and in Datalog against the authorizer's
// `issue_limit` fact (that time plus tolerance: Datalog has no date arithmetic).
export const AUTHORITY_CODE = `authority({issuer}, {holder}, {on_behalf_of}, {task}, {issued_at});
hop_scope(0, {exact}, {prefixes}, {actions}, {audience}, {expires}, {depth});`;

// The check repeats the scope as constants. Measured against a check that joins the
// block's own hop_scope fact instead: strings are interned once per block, so repeating
// them costs a few bytes, while the join's variable names are new symbols (a 5-hop token
// grew from 4,410 to 4,695 bytes) and the join cost more Datalog time and memory.
export const HOP_CODE = `hop({index}, {from}, {to}, {previous}, {issued_at});
hop_scope({index}, {exact}, {prefixes}, {actions}, {audience}, {expires}, {depth});
check if resource($r), action($a), audience($aud), time($t), issue_limit($l), {actions}.contains($a), {audience}.contains($aud), $t < {expires}, {issued_at} <= $l, {exact}.contains($r) || {prefixes}.any($p -> $r.starts_with($p));`;

/** The facts of {@link AUTHORITY_CODE}: name and arity, in order. */
export const AUTHORITY_FACTS = [
  ['authority', 5],
  ['hop_scope', 7],
] as const;

/** The lowest Datalog version able to express {@link AUTHORITY_CODE} (facts only). */
export const AUTHORITY_VERSION = 3;

/** The lowest Datalog version able to express {@link HOP_CODE} (its check uses a closure, `.any`). */
export const HOP_VERSION = 6;

/** The facts of {@link HOP_CODE}: name and arity, in order. */
export const HOP_FACTS = [
  ['hop', 5],
  ['hop_scope', 7],
] as const;

const variable = (name: string): TermValue => ({ kind: 'variable', name });
const value = (term: TermValue): OpView => ({ op: 'value', term });
const binary = (kind: number): OpView => ({ op: 'binary', kind });
const predicate = (name: string, ...variables: string[]): FactView => ({ name, terms: variables.map(variable) });

/**
 * The check of {@link HOP_CODE} as biscuit-wasm compiles it (one `check if` query, its
 * expressions in stack order, `||` lazy with its right side a closure), with `hopScope`'s
 * terms (the block's own `hop_scope` fact) and `issuedAt` (the last term of its own `hop`
 * fact) in place of the parameters. A hop block's check must equal it: a test holds it to
 * what biscuit-wasm writes.
 */
export function hopCheckOf(hopScope: readonly TermValue[], issuedAt: TermValue): CheckView {
  const [, exact, prefixes, actions, audience, expires] = hopScope;
  if (!exact || !prefixes || !actions || !audience || !expires) throw new TypeError('hop_scope has seven terms');
  return {
    kind: 0,
    queries: [
      {
        head: predicate('query'),
        body: [predicate('resource', 'r'), predicate('action', 'a'), predicate('audience', 'aud'), predicate('time', 't'), predicate('issue_limit', 'l')],
        expressions: [
          [value(actions), value(variable('a')), binary(CONTAINS)],
          [value(audience), value(variable('aud')), binary(CONTAINS)],
          [value(variable('t')), value(expires), binary(LESS_THAN)],
          [value(issuedAt), value(variable('l')), binary(LESS_OR_EQUAL)],
          [
            value(exact),
            value(variable('r')),
            binary(CONTAINS),
            {
              op: 'closure',
              params: [],
              ops: [value(prefixes), { op: 'closure', params: ['p'], ops: [value(variable('r')), value(variable('p')), binary(PREFIX)] }, binary(ANY)],
            },
            binary(LAZY_OR),
          ],
        ],
        scopes: [],
      },
    ],
  };
}

const isVariable = (term: TermValue, name: string): boolean => term.kind === 'variable' && term.name === name;

/** Equality of two terms as the block reader makes them (each kind has one shape). */
function sameTerm(a: TermValue, b: TermValue): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'variable':
      return a.name === (b as typeof a).name;
    case 'bytes':
      return equalBytes(a.value, (b as typeof a).value);
    case 'set': {
      const x = a.value;
      const y = (b as typeof a).value;
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!sameTerm(x[i]!, y[i]!)) return false;
      return true;
    }
    case 'other':
      return true;
    default:
      return a.value === (b as typeof a).value;
  }
}

function isPredicate(p: FactView, name: string, variables: readonly string[]): boolean {
  if (p.name !== name || p.terms.length !== variables.length) return false;
  for (let i = 0; i < variables.length; i++) if (!isVariable(p.terms[i]!, variables[i]!)) return false;
  return true;
}

const isValue = (op: OpView | undefined, term: TermValue): boolean => op?.op === 'value' && sameTerm(op.term, term);
const isVariableOp = (op: OpView | undefined, name: string): boolean => op?.op === 'value' && isVariable(op.term, name);
const isBinary = (op: OpView | undefined, kind: number): boolean => op?.op === 'binary' && op.kind === kind && op.ffi === undefined;
const REQUEST_BODY: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['resource', ['r']],
  ['action', ['a']],
  ['audience', ['aud']],
  ['time', ['t']],
  ['issue_limit', ['l']],
];

/**
 * Whether a check read from a block (`readBlock`) is exactly {@link hopCheckOf}`(hopScope,
 * issuedAt)`, compared member by member without building it: the test of every hop block
 * on every verification. A property test holds it to the structural comparison with the
 * built check.
 */
export function isHopCheck(check: CheckView, hopScope: readonly TermValue[], issuedAt: TermValue): boolean {
  const [, exact, prefixes, actions, audience, expires] = hopScope;
  if (!exact || !prefixes || !actions || !audience || !expires) throw new TypeError('hop_scope has seven terms');
  if (check.kind !== 0 || check.queries.length !== 1) return false;
  const q = check.queries[0]!;
  if (q.scopes.length !== 0 || !isPredicate(q.head, 'query', []) || q.body.length !== REQUEST_BODY.length || q.expressions.length !== 5) return false;
  for (let i = 0; i < REQUEST_BODY.length; i++) if (!isPredicate(q.body[i]!, REQUEST_BODY[i]![0], REQUEST_BODY[i]![1])) return false;
  const [e0, e1, e2, e3, e4] = q.expressions as [OpView[], OpView[], OpView[], OpView[], OpView[]];
  if (e0.length !== 3 || !isValue(e0[0], actions) || !isVariableOp(e0[1], 'a') || !isBinary(e0[2], CONTAINS)) return false;
  if (e1.length !== 3 || !isValue(e1[0], audience) || !isVariableOp(e1[1], 'aud') || !isBinary(e1[2], CONTAINS)) return false;
  if (e2.length !== 3 || !isVariableOp(e2[0], 't') || !isValue(e2[1], expires) || !isBinary(e2[2], LESS_THAN)) return false;
  if (e3.length !== 3 || !isValue(e3[0], issuedAt) || !isVariableOp(e3[1], 'l') || !isBinary(e3[2], LESS_OR_EQUAL)) return false;
  if (e4.length !== 5 || !isValue(e4[0], exact) || !isVariableOp(e4[1], 'r') || !isBinary(e4[2], CONTAINS) || !isBinary(e4[4], LAZY_OR)) return false;
  const outer = e4[3]!;
  if (outer.op !== 'closure' || outer.params.length !== 0 || outer.ops.length !== 3) return false;
  const [o0, inner, o2] = outer.ops;
  if (!isValue(o0, prefixes) || !isBinary(o2, ANY) || inner?.op !== 'closure') return false;
  if (inner.params.length !== 1 || inner.params[0] !== 'p' || inner.ops.length !== 3) return false;
  return isVariableOp(inner.ops[0], 'r') && isVariableOp(inner.ops[1], 'p') && isBinary(inner.ops[2], PREFIX);
}

/**
 * The authorizer's request facts, one parsed template each (values set per call).
 * `operation` repeats the action under the name stock Biscuit checks use; holders'
 * first-party checks see these (and `TASK_FACT`) and nothing else of the request.
 */
export const REQUEST_FACTS = [
  ['resource({resource})', 'resource'],
  ['action({action})', 'action'],
  ['operation({operation})', 'operation'],
  ['audience({audience})', 'audience'],
  ['time({time})', 'time'],
  // The latest issue time this verifier accepts: its time plus its clock tolerance.
  ['issue_limit({issue_limit})', 'issue_limit'],
] as const;

/** The request's task, as a fact, when the request names one. */
export const TASK_FACT = 'task({task})';

export const ALLOW_POLICY =
  'allow if resource($r), action($a), audience($aud), time($t), issue_limit($l), authority($iss, $hol, $obo, $tsk, $iat), hop_scope(0, $exact, $prefixes, $actions, $auds, $exp, $d), $actions.contains($a), $auds.contains($aud), $t < $exp, $iat <= $l, $exact.contains($r) || $prefixes.any($p -> $r.starts_with($p))';

export const TASK_CHECK = 'check if authority($issuer, $holder, $obo, {task}, $issued_at)';

/**
 * Resource patterns as the Datalog templates carry them: exact names in one set, and the
 * prefixes of patterns ending in `*` (without it) in another.
 */
export function splitResources(resources: readonly string[]): { exact: string[]; prefixes: string[] } {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const r of resources) (r.endsWith('*') ? prefixes.push(r.slice(0, -1)) : exact.push(r));
  return { exact, prefixes };
}

/** The resource patterns of a hop's two sets (see {@link splitResources}). */
export function joinResources(exact: readonly string[], prefixes: readonly string[]): string[] {
  return [...exact, ...prefixes.map((p) => `${p}*`)];
}

const str = (value: string): TermValue => ({ kind: 'string', value });
const strSet = (values: readonly string[]): TermValue => ({ kind: 'set', value: values.map(str) });
const date = (seconds: number): TermValue => ({ kind: 'date', value: seconds });
const int = (value: number): TermValue => ({ kind: 'integer', value });

/** The last six terms of a `hop_scope` fact: {@link scopeParams} as terms. */
function scopeTerms(scope: Scope): TermValue[] {
  const { exact, prefixes } = splitResources(scope.resources);
  return [strSet(exact), strSet(prefixes), strSet(scope.actions), strSet(scope.audience), date(scope.expiresAt), int(scope.maxDepth)];
}

/** What {@link AUTHORITY_CODE} states. */
export interface AuthorityValues {
  issuer: string;
  holder: string;
  onBehalfOf: string;
  task: string;
  issuedAt: number;
  scope: Scope;
}

/** {@link AUTHORITY_CODE} with its parameters set, as the block writer takes it. */
export function authorityBlockOf(v: AuthorityValues): BlockInput {
  return {
    facts: [
      { name: 'authority', terms: [str(v.issuer), str(v.holder), str(v.onBehalfOf), str(v.task), date(v.issuedAt)] },
      { name: 'hop_scope', terms: [int(0), ...scopeTerms(v.scope)] },
    ],
    checks: [],
    version: AUTHORITY_VERSION,
  };
}

/** What {@link HOP_CODE} states. */
export interface HopValues {
  index: number;
  from: string;
  to: string;
  /** Biscuit's revocation id (the signature) of the block before. */
  previous: Uint8Array;
  issuedAt: number;
  scope: Scope;
}

/** {@link HOP_CODE} with its parameters set, as the block writer takes it. */
export function hopBlockOf(v: HopValues): BlockInput {
  const hopScope = [int(v.index), ...scopeTerms(v.scope)];
  const issuedAt = date(v.issuedAt);
  return {
    facts: [
      { name: 'hop', terms: [int(v.index), str(v.from), str(v.to), { kind: 'bytes', value: v.previous }, issuedAt] },
      { name: 'hop_scope', terms: hopScope },
    ],
    checks: [hopCheckOf(hopScope, issuedAt)],
    version: HOP_VERSION,
  };
}

export type DatalogValue = string | number | boolean | { date: string } | { bytes: string } | { set: string[] };

export function dateParam(seconds: number): { date: string } {
  return { date: new Date(seconds * 1000).toISOString() };
}

export function scopeParams(scope: Scope): Record<string, DatalogValue> {
  const { exact, prefixes } = splitResources(scope.resources);
  return {
    exact: { set: exact },
    prefixes: { set: prefixes },
    actions: { set: [...scope.actions] },
    audience: { set: [...scope.audience] },
    expires: dateParam(scope.expiresAt),
    depth: scope.maxDepth,
  };
}
