import { DeniedError, MalformedInputError, ResourceLimitError, SCOPE_LIMITS } from '@agent-id/core';
import type { CheckBudget, FirstPartyCheck, RequestFacts } from '../first-party.js';
import type { BlockView, CheckView, FactView, OpView, RuleView, TermValue } from './proto/block.js';
import {
  ALL,
  AND,
  ANY,
  BITWISE_AND,
  BITWISE_XOR,
  CONTAINS,
  EQUAL,
  GREATER_OR_EQUAL,
  GREATER_THAN,
  HETEROGENEOUS_EQUAL,
  HETEROGENEOUS_NOT_EQUAL,
  LAZY_AND,
  LAZY_OR,
  LENGTH,
  LESS_OR_EQUAL,
  LESS_THAN,
  NEGATE,
  NOT_EQUAL,
  OR,
  PARENS,
  PREFIX,
  SUFFIX,
  TRY_OR,
  TYPE_OF,
} from './proto/op-kinds.js';
import { bytesToHex, utf8Length } from '@agent-id/core/internal';

/*
 * First-party Biscuit blocks that only add checks — what a holder appends with
 * biscuit-wasm's own `appendBlock` to narrow its token (e.g. `check if time($t), $t <
 * 2026-12-31T00:00:00Z`) — read and decided natively, with the answer biscuit-wasm's
 * Datalog gives (a differential property test holds the two together).
 *
 * Why such a block is safe to accept: it states no fact and no rule, so it cannot add a
 * hop, change the holder or give any check something new to match; a check can only
 * refuse. It carries no scope (`trusting …`) and no public key, so its checks see what
 * Biscuit's default scope gives a block: the authority block's facts and the authorizer's
 * (the request) — never a third-party block's. Anything else in a first-party block is
 * refused (`malformed_input`, check `check_block`).
 *
 * What is decided natively (anything else is refused, `denied` with check
 * `unsupported_check`, never guessed):
 * - `check if`, `check all` and `reject if`, with one or more queries (`or`), each of them
 *   `query()` over predicates of the facts a block sees — `time`, `resource`, `action`,
 *   `operation` (= the action), `audience`, `task` (when the request names one), and the
 *   authority's `authority/4` and `hop_scope/7` — with variables or constants;
 * - expressions over strings, integers, dates, booleans, byte arrays and sets of one kind:
 *   `!`, parentheses, `.length()`, `.type()`, `<`, `>`, `<=`, `>=`, `===`, `!==`, `==`,
 *   `!=`, `.contains()`, `.starts_with()`, `.ends_with()`, `&&`, `||` (lazy and strict),
 *   `.all()` and `.any()` closures.
 * Not decided (refused): regular expressions (Rust's regex engine is not JavaScript's),
 * arithmetic and bitwise operators, set union and intersection, arrays, maps, null,
 * `try_or`, external functions, and sets mixing kinds.
 *
 * Evaluation follows biscuit-auth 6 (datalog/expression.rs): a type error, an unknown or
 * shadowed variable, a malformed stack or a non-boolean result is an execution error,
 * which refuses the whole authorization in Datalog and refuses here. One stricter rule:
 * `.all` and `.any` evaluate their closure for every element and refuse if any element
 * fails to evaluate, where Datalog stops at the first decisive element in its own set
 * order (which for strings is its symbol order, not knowable here).
 */


const SUPPORTED_UNARY = new Set([NEGATE, PARENS, LENGTH, TYPE_OF]);
const SUPPORTED_BINARY = new Set([
  LESS_THAN, GREATER_THAN, LESS_OR_EQUAL, GREATER_OR_EQUAL, EQUAL, CONTAINS, PREFIX, SUFFIX, AND, OR,
  NOT_EQUAL, HETEROGENEOUS_EQUAL, HETEROGENEOUS_NOT_EQUAL, LAZY_AND, LAZY_OR, ALL, ANY,
]);

/** Check kinds (schema.proto `Check.Kind`). */
const CHECK_IF = 0;
const CHECK_ALL = 1;
const REJECT_IF = 2;

/**
 * Operations all of one token's first-party checks may cost together (values pushed,
 * operators applied, closure iterations, fact matches): far above any checks a person
 * writes, far below a noticeable delay (a few milliseconds). Datalog bounds its run by
 * time only after a check's join finishes, so the bound is counted here, before Datalog
 * ever runs.
 */
export const MAX_CHECK_STEPS = 20_000;

/** An execution error: Datalog would refuse the authorization. */
class EvaluationError extends Error {}

type Value = Exclude<TermValue, { kind: 'variable' } | { kind: 'other' }>;
type StackItem = { term: Value } | { closure: { params: string[]; ops: OpView[] } };
type Budget = CheckBudget;

function spend(budget: Budget, what: string, steps = 1): void {
  budget.steps += steps;
  if (budget.steps > MAX_CHECK_STEPS) throw new ResourceLimitError(`${what}: the token's first-party checks take more than ${MAX_CHECK_STEPS} steps to evaluate`, { check: 'first_party_check' });
}

/**
 * What a value costs to compare: its elements for a set, a step per 64 characters for a
 * string, so comparing large sets or long strings many times cannot outrun the budget.
 */
function cost(v: Value): number {
  if (v.kind === 'set') return 1 + v.value.length;
  if (v.kind === 'string') return 1 + (v.value.length >> 6);
  if (v.kind === 'bytes') return 1 + (v.value.length >> 6);
  return 1;
}

/** A value as a string that is equal exactly when the values are (kind and value). */
function keyOf(v: Value): string {
  switch (v.kind) {
    case 'bytes':
      return `bytes:${bytesToHex(v.value)}`;
    case 'set':
      return `set:${JSON.stringify([...setKeys(v)].sort())}`;
    default:
      return `${v.kind}:${String(v.value)}`;
  }
}

/** A set's elements as keys (Datalog sets are deduplicated, so duplicates collapse). */
function setKeys(v: Extract<Value, { kind: 'set' }>): Set<string> {
  return new Set((v.value as Value[]).map(keyOf));
}

function equalValues(a: Value, b: Value, budget: Budget, what: string): boolean {
  spend(budget, what, cost(a) + cost(b));
  if (a.kind !== b.kind) return false;
  if (a.kind === 'set' || a.kind === 'bytes') return keyOf(a) === keyOf(b);
  return a.value === (b as typeof a).value;
}

const bool = (value: boolean): Value => ({ kind: 'bool', value });

function unary(kind: number, v: Value, budget: Budget, what: string): Value {
  spend(budget, what, cost(v));
  if (kind === PARENS) return v;
  if (kind === NEGATE && v.kind === 'bool') return bool(!v.value);
  if (kind === LENGTH) {
    // Strings by their UTF-8 bytes, sets by their distinct elements (Datalog sets are deduplicated).
    if (v.kind === 'string') return { kind: 'integer', value: utf8Length(v.value) };
    if (v.kind === 'bytes') return { kind: 'integer', value: v.value.length };
    if (v.kind === 'set') return { kind: 'integer', value: setKeys(v).size };
  }
  // The kind names are biscuit-auth's own type names.
  if (kind === TYPE_OF) return { kind: 'string', value: v.kind };
  throw new EvaluationError('invalid type');
}

function binary(kind: number, left: Value, right: Value, budget: Budget, what: string): Value {
  spend(budget, what, cost(left) + cost(right));
  const sameKind = left.kind === right.kind;
  switch (kind) {
    case LESS_THAN:
    case GREATER_THAN:
    case LESS_OR_EQUAL:
    case GREATER_OR_EQUAL: {
      if (!sameKind || (left.kind !== 'integer' && left.kind !== 'date')) break;
      const a = left.value as number;
      const b = right.value as number;
      return bool(kind === LESS_THAN ? a < b : kind === GREATER_THAN ? a > b : kind === LESS_OR_EQUAL ? a <= b : a >= b);
    }
    case EQUAL:
    case NOT_EQUAL:
      // Strict equality refuses two kinds (biscuit-auth: InvalidType).
      if (!sameKind) break;
      return bool(equalValues(left, right, budget, what) === (kind === EQUAL));
    case HETEROGENEOUS_EQUAL:
      return bool(equalValues(left, right, budget, what));
    case HETEROGENEOUS_NOT_EQUAL:
      return bool(!equalValues(left, right, budget, what));
    case CONTAINS:
      if (left.kind === 'set') {
        const items = setKeys(left);
        if (right.kind === 'set') return bool([...setKeys(right)].every((k) => items.has(k)));
        return bool(items.has(keyOf(right)));
      }
      if (left.kind === 'string' && right.kind === 'string') return bool(left.value.includes(right.value));
      break;
    case PREFIX:
      if (left.kind === 'string' && right.kind === 'string') return bool(left.value.startsWith(right.value));
      break;
    case SUFFIX:
      if (left.kind === 'string' && right.kind === 'string') return bool(left.value.endsWith(right.value));
      break;
    case AND:
    case OR:
      if (left.kind === 'bool' && right.kind === 'bool') return bool(kind === AND ? left.value && right.value : left.value || right.value);
      break;
  }
  throw new EvaluationError('invalid type');
}

function evaluate(ops: readonly OpView[], variables: ReadonlyMap<string, Value>, budget: Budget, what: string): Value {
  const stack: StackItem[] = [];
  for (const op of ops) {
    spend(budget, what);
    if (op.op === 'value') {
      if (op.term.kind === 'variable') {
        const bound = variables.get(op.term.name);
        if (!bound) throw new EvaluationError(`unknown variable $${op.term.name}`);
        stack.push({ term: bound });
      } else {
        stack.push({ term: op.term as Value });
      }
    } else if (op.op === 'closure') {
      stack.push({ closure: { params: op.params, ops: op.ops } });
    } else if (op.op === 'unary') {
      const v = stack.pop();
      if (!v || !('term' in v)) throw new EvaluationError('invalid stack');
      stack.push({ term: unary(op.kind, v.term, budget, what) });
    } else {
      const right = stack.pop();
      const left = stack.pop();
      if (!left || !right) throw new EvaluationError('invalid stack');
      // As biscuit-auth: a closure on either side applies to the term on the other.
      if ('term' in left && 'term' in right) stack.push({ term: binary(op.kind, left.term, right.term, budget, what) });
      else if ('term' in left && 'closure' in right) stack.push({ term: withClosure(op.kind, left.term, right.closure, variables, budget, what) });
      else if ('closure' in left && 'term' in right) stack.push({ term: withClosure(op.kind, right.term, left.closure, variables, budget, what) });
      else throw new EvaluationError('invalid stack');
    }
  }
  const last = stack.pop();
  if (!last || stack.length > 0 || !('term' in last)) throw new EvaluationError('invalid stack');
  return last.term;
}

function withClosure(kind: number, left: Value, closure: { params: string[]; ops: OpView[] }, variables: ReadonlyMap<string, Value>, budget: Budget, what: string): Value {
  if (closure.params.some((p) => variables.has(p))) throw new EvaluationError('shadowed variable');
  if ((kind === LAZY_AND || kind === LAZY_OR) && closure.params.length === 0 && left.kind === 'bool') {
    // The right side runs only when the left does not decide, as in Datalog.
    if (left.value === (kind === LAZY_OR)) return left;
    return evaluate(closure.ops, variables, budget, what);
  }
  if ((kind === ALL || kind === ANY) && closure.params.length === 1 && left.kind === 'set') {
    const param = closure.params[0]!;
    const inner = new Map(variables);
    // Every element, then the answer: an element that fails to evaluate refuses, whatever
    // order Datalog would visit the set in (see the module comment).
    const results: boolean[] = [];
    for (const item of left.value as Value[]) {
      spend(budget, what);
      inner.set(param, item);
      const result = evaluate(closure.ops, inner, budget, what);
      if (result.kind !== 'bool') throw new EvaluationError('invalid type');
      results.push(result.value);
    }
    return bool(kind === ALL ? results.every(Boolean) : results.some(Boolean));
  }
  throw new EvaluationError('invalid type');
}

/** Binds `terms` against a fact's, extending `variables`; undefined when they do not unify. */
function unify(terms: readonly TermValue[], fact: FactView, variables: ReadonlyMap<string, Value>, budget: Budget, what: string): Map<string, Value> | undefined {
  if (fact.terms.length !== terms.length) return undefined;
  const out = new Map(variables);
  for (let i = 0; i < terms.length; i++) {
    const term = terms[i]!;
    const value = fact.terms[i] as Value;
    if (term.kind === 'variable') {
      const bound = out.get(term.name);
      if (bound === undefined) out.set(term.name, value);
      else if (!equalValues(bound, value, budget, what)) return undefined;
    } else if (!equalValues(term as Value, value, budget, what)) return undefined;
  }
  return out;
}

/** Every binding of a query's body over the visible facts. */
function* combinations(body: readonly FactView[], facts: readonly FactView[], variables: Map<string, Value>, budget: Budget, what: string): Generator<Map<string, Value>> {
  if (body.length === 0) {
    yield variables;
    return;
  }
  const [first, ...rest] = body as [FactView, ...FactView[]];
  for (const fact of facts) {
    spend(budget, what);
    if (fact.name !== first.name) continue;
    const bound = unify(first.terms, fact, variables, budget, what);
    if (bound) yield* combinations(rest, facts, bound, budget, what);
  }
}

function expressionsHold(query: RuleView, variables: ReadonlyMap<string, Value>, budget: Budget, what: string): boolean {
  for (const expression of query.expressions) {
    const result = evaluate(expression, variables, budget, what);
    if (result.kind !== 'bool') throw new EvaluationError('an expression is not boolean');
    if (!result.value) return false;
  }
  return true;
}

/** Whether one query succeeds, as biscuit-auth's `query_match` (`check if`, `reject if`) or `query_match_all` (`check all`). */
function queryResult(kind: number, query: RuleView, facts: readonly FactView[], budget: Budget, what: string): boolean {
  if (kind === CHECK_ALL) {
    let found = false;
    for (const variables of combinations(query.body, facts, new Map(), budget, what)) {
      found = true;
      if (!expressionsHold(query, variables, budget, what)) return false;
    }
    return found;
  }
  let matched = false;
  for (const variables of combinations(query.body, facts, new Map(), budget, what)) {
    if (expressionsHold(query, variables, budget, what)) {
      matched = true;
      break;
    }
  }
  return kind === REJECT_IF ? !matched : matched;
}

function requestFactViews(facts: RequestFacts): FactView[] {
  const str = (value: string): TermValue => ({ kind: 'string', value });
  const out: FactView[] = [
    { name: 'time', terms: [{ kind: 'date', value: facts.time }] },
    { name: 'resource', terms: [str(facts.resource)] },
    { name: 'action', terms: [str(facts.action)] },
    { name: 'operation', terms: [str(facts.action)] },
    { name: 'audience', terms: [str(facts.audience)] },
  ];
  if (facts.task !== undefined) out.push({ name: 'task', terms: [str(facts.task)] });
  return out;
}

/** Why a value is outside what is decided natively, if it is. */
function unsupportedValue(term: TermValue): string | undefined {
  if (term.kind === 'other') return 'null, an array, a map or an integer outside 0 to 2^53 − 1';
  if (term.kind === 'set') {
    // Each comparison is charged per element; a scope's bound on set size keeps any one small.
    if (term.value.length > SCOPE_LIMITS.maxEntries) return `a set of more than ${SCOPE_LIMITS.maxEntries} elements`;
    const kinds = new Set(term.value.map((v) => v.kind));
    if (kinds.has('other')) return 'a set holding an unsupported value';
    if (kinds.size > 1) return 'a set mixing kinds';
  }
  return undefined;
}

function unsupportedOps(ops: readonly OpView[]): string | undefined {
  for (const op of ops) {
    if (op.op === 'value') {
      const why = unsupportedValue(op.term);
      if (why) return why;
    } else if (op.op === 'closure') {
      const why = unsupportedOps(op.ops);
      if (why) return why;
    } else if (op.ffi !== undefined) {
      return 'an external function';
    } else if (op.op === 'unary' ? !SUPPORTED_UNARY.has(op.kind) : !SUPPORTED_BINARY.has(op.kind)) {
      return `${op.op} operator ${op.kind} (${op.op === 'unary' ? (UNARY_NAMES[op.kind] ?? 'unknown') : (BINARY_NAMES[op.kind] ?? 'unknown')})`;
    }
  }
  return undefined;
}

/** Why a check is outside what is decided natively, if it is. */
function unsupportedCheck(check: CheckView): string | undefined {
  if (check.queries.length === 0) return 'a check without a query';
  for (const query of check.queries) {
    if (query.head.name !== 'query' || query.head.terms.length > 0) return 'a query head other than query()';
    if (query.scopes.length > 0) return 'a scope (trusting …)';
    for (const predicate of query.body) {
      for (const term of predicate.terms) {
        const why = unsupportedValue(term);
        if (why) return why;
      }
    }
    for (const expression of query.expressions) {
      const why = unsupportedOps(expression);
      if (why) return why;
    }
  }
  return undefined;
}

const isNull = (term: TermValue): boolean => term.kind === 'other' && term.datalog33 === 'null';

/**
 * What these checks demand of the Datalog version a block declares, in one walk.
 *
 * `version`: `check all`, `!==` and scopes need 3.1 (4); `reject if`, closures,
 * `==`/`!=` (heterogeneous), lazy `&&`/`||`, `.all`, `.any`, `.try_or()` and `.type()` need 3.3 (6)
 * (biscuit-auth's datalog/mod.rs `get_schema_version`, which sets the version its writer
 * declares). biscuit-auth 6 refuses a block declaring less, with one exception: under 3 it
 * reads 3.3 operations (closures, `.type()`, heterogeneous `==`, lazy `&&`/`||`). This
 * verifier refuses those too: no writer of Biscuit declares 3 for them (biscuit-wasm writes
 * 6), and the tests hold every other case to biscuit-wasm's verdict.
 *
 * `nullTerm`: whether a predicate or an expression holds `null` itself (not inside an array
 * or a map), which biscuit-auth refuses in a block declaring 3.1 or 3.2. Arrays and maps it
 * reads there, and biscuit-wasm writes them so (`check all` with an array is a 3.1 block).
 */
function demandsOf(checks: readonly CheckView[]): { version: number; nullTerm: boolean } {
  let version = 3;
  let nullTerm = false;
  const atLeast = (v: number) => {
    version = Math.max(version, v);
  };
  const walk = (ops: readonly OpView[]): void => {
    for (const op of ops) {
      if (op.op === 'value') nullTerm ||= isNull(op.term);
      else if (op.op === 'closure') {
        atLeast(6);
        walk(op.ops);
      } else if (op.op === 'unary') {
        if (op.kind === TYPE_OF || op.ffi !== undefined) atLeast(6);
      } else {
        if (op.kind === NOT_EQUAL || (op.kind >= BITWISE_AND && op.kind <= BITWISE_XOR)) atLeast(4);
        if ((op.kind >= HETEROGENEOUS_EQUAL && op.kind <= ANY) || op.kind === TRY_OR || op.ffi !== undefined) atLeast(6);
      }
    }
  };
  for (const check of checks) {
    if (check.kind === CHECK_ALL) atLeast(4);
    if (check.kind === REJECT_IF) atLeast(6);
    for (const query of check.queries) {
      if (query.scopes.length > 0) atLeast(4);
      for (const predicate of [query.head, ...query.body]) nullTerm ||= predicate.terms.some(isNull);
      for (const expression of query.expressions) walk(expression);
    }
  }
  return { version, nullTerm };
}

/**
 * Reads a first-party block of a verified token as check-only: no fact, rule, scope, public
 * key or context (`malformed_input`, check `check_block`), check kinds biscuit-auth knows,
 * and a declared Datalog version that covers them. Returns its checks, each decided by
 * {@link FirstPartyCheck.decide} over the request facts and the authority's facts.
 */
export function readCheckBlock(view: BlockView, blockIndex: number, authorityFacts: readonly FactView[]): FirstPartyCheck[] {
  const fail = (why: string): never => {
    throw new MalformedInputError(
      `block ${blockIndex} is a first-party block with ${why}: only checks may be appended without a signed hop (a fact or rule could state a hop or a right no delegator signed)`,
      { check: 'check_block' },
    );
  };
  if (view.facts.length > 0) fail(`${view.facts.length} fact(s) (${[...new Set(view.facts.map((f) => f.name))].join(', ').slice(0, 120)})`);
  if (view.rules.length > 0) fail(`${view.rules.length} rule(s)`);
  if (view.scopes.length > 0) fail('a scope (trusting …)');
  if (view.publicKeys > 0) fail(`${view.publicKeys} public key(s)`);
  if (view.context) fail('a context');
  view.checks.forEach((check, i) => {
    if (check.kind !== CHECK_IF && check.kind !== CHECK_ALL && check.kind !== REJECT_IF) fail(`check ${i} of unknown kind ${check.kind}`);
  });
  const needed = demandsOf(view.checks);
  if (view.version < needed.version) fail(`Datalog version ${view.version} declared, below the ${needed.version} its checks need`);
  // As biscuit-auth: null in a block declaring 3.1 or 3.2 (4, 5); under 3 it does not look.
  if ((view.version === 4 || view.version === 5) && needed.nullTerm) fail(`Datalog version ${view.version} declared, with null, which needs 3.3 (6)`);
  return view.checks.map((check, i) => compileCheck(check, `block ${blockIndex}, check ${i}`, authorityFacts));
}

function compileCheck(check: CheckView, where: string, authorityFacts: readonly FactView[]): FirstPartyCheck {
  const source = printCheck(check);
  const named = `${where} (${source})`;
  const unsupported = unsupportedCheck(check);
  if (unsupported) {
    return {
      where,
      source,
      decide: () => {
        throw new DeniedError(`${named} uses ${unsupported}, which this verifier does not evaluate: refused`, { check: 'unsupported_check' });
      },
    };
  }
  return {
    where,
    source,
    decide: (request, budget) => {
      const facts = [...authorityFacts, ...requestFactViews(request)];
      let holds = false;
      try {
        // As biscuit-auth: the queries in order, the first that succeeds passes the check.
        for (const query of check.queries) {
          if (queryResult(check.kind, query, facts, budget, named)) {
            holds = true;
            break;
          }
        }
      } catch (error) {
        if (!(error instanceof EvaluationError)) throw error;
        throw new DeniedError(`${named} cannot be evaluated (${error.message}): refused`, { check: 'first_party_check' });
      }
      if (!holds) throw new DeniedError(`${named} does not hold for this request`, { check: 'first_party_check' });
    },
  };
}

// ---------------------------------------------------------------------------------------
// Printing, for messages only (never parsed): close to biscuit's own printer.

const UNARY_NAMES: Record<number, string> = { 0: 'negate', 1: 'parens', 2: 'length', 3: 'type', 4: 'extern' };
const BINARY_NAMES: Record<number, string> = {
  0: '<', 1: '>', 2: '<=', 3: '>=', 4: '===', 5: 'contains', 6: 'starts_with', 7: 'ends_with', 8: 'matches', 9: '+', 10: '-', 11: '*', 12: '/',
  13: '&&!', 14: '||!', 15: 'intersection', 16: 'union', 17: '&', 18: '|', 19: '^', 20: '!==', 21: '==', 22: '!=', 23: '&&', 24: '||',
  25: 'all', 26: 'any', 27: 'get', 28: 'extern', 29: 'try_or',
};
const METHODS = new Set([5, 6, 7, 8, 15, 16, 25, 26, 27, 28, 29]);
const name = (n: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) ? n : JSON.stringify(n));

function printTerm(term: TermValue): string {
  switch (term.kind) {
    case 'string':
      return JSON.stringify(term.value);
    case 'integer':
      return String(term.value);
    case 'date':
      return Number.isSafeInteger(term.value * 1000) ? new Date(term.value * 1000).toISOString().replace('.000Z', 'Z') : String(term.value);
    case 'bytes':
      return `hex:${bytesToHex(term.value)}`;
    case 'bool':
      return String(term.value);
    case 'set':
      return `{${term.value.map(printTerm).join(', ')}}`;
    case 'variable':
      return `$${name(term.name)}`;
    default:
      return '<unsupported value>';
  }
}

function printOps(ops: readonly OpView[]): string {
  const stack: string[] = [];
  for (const op of ops) {
    if (op.op === 'value') stack.push(printTerm(op.term));
    else if (op.op === 'closure') stack.push(op.params.length ? `${op.params.map((p) => `$${name(p)}`).join(', ')} -> ${printOps(op.ops)}` : printOps(op.ops));
    else if (op.op === 'unary') {
      const v = stack.pop() ?? '?';
      stack.push(op.kind === NEGATE ? `!${v}` : op.kind === PARENS ? `(${v})` : `${v}.${UNARY_NAMES[op.kind] ?? `unary${op.kind}`}()`);
    } else {
      const right = stack.pop() ?? '?';
      const left = stack.pop() ?? '?';
      const n = BINARY_NAMES[op.kind] ?? `binary${op.kind}`;
      stack.push(METHODS.has(op.kind) ? `${left}.${n}(${right})` : `${left} ${n} ${right}`);
    }
  }
  return stack.join(' ');
}

function printQuery(query: RuleView): string {
  const parts = [...query.body.map((p) => `${name(p.name)}(${p.terms.map(printTerm).join(', ')})`), ...query.expressions.map(printOps)];
  return parts.join(', ') || 'true';
}

/** A check as Datalog text, for messages (strings JSON-escaped; capped at 300 characters). */
export function printCheck(check: CheckView): string {
  const prefix = check.kind === CHECK_ALL ? 'check all' : check.kind === REJECT_IF ? 'reject if' : 'check if';
  const text = `${prefix} ${check.queries.map(printQuery).join(' or ')}`;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
