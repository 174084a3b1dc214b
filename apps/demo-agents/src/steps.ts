import type { ErrorCode, Scope } from '@agent-id/core';
import type { TokenFormat } from '@agent-id/tokens';
import type { Trace } from './trace.js';
import type { CallReport, DelegationReport, WorkReport } from './work.js';

/** The outcome kinds a step can have. */
export type Outcome = 'allow' | 'deny' | 'delegated' | 'refused';

/** What a step is meant to show, and the outcome (and error code) it must have. */
export interface Expectation {
  title: string;
  /** The issue requirement it demonstrates. */
  shows: string;
  expected: Outcome;
  code?: ErrorCode;
  /** The failed check the refusal must name, when it matters which (e.g. `credential_status`). */
  check?: string;
}

/** One visible step: what was expected, what happened, and why. */
export interface StepResult {
  id: string;
  title: string;
  /** The issue requirement it demonstrates. */
  shows: string;
  expected: Outcome;
  expectedCode?: ErrorCode;
  actual: Outcome | 'missing';
  actualCode?: ErrorCode;
  expectedCheck?: string;
  /** Refusals: the check that failed. */
  actualCheck?: string;
  ok: boolean;
  reason: string;
  /** Display name of the agent that acted. */
  actor: string;
  /** DID of the agent that acted (or delegated). */
  agentDid?: string;
  format?: TokenFormat;
  /** Tool calls: the service that decided. */
  verifier?: string;
  /** Tool calls: delegation chain as display names, authority first. */
  chain?: string[];
  /** Delegations: the delegate (as its verified card names it, else the one the order meant to reach). */
  delegate?: string;
  /** Delegations: where the delegate's card was fetched. */
  cardUrl?: string;
  /** Delegations: the scope granted. */
  granted?: Scope;
}

/**
 * The scenario's steps: the expectation of each, registered where the work order names it,
 * and the work reports that come back, from which each step's actual outcome is read.
 */
export class Steps {
  readonly #expected = new Map<string, Expectation>();
  readonly #reports: WorkReport[] = [];

  /** Registers a step and returns its id, for the order that carries it out. */
  expect(id: string, expectation: Expectation): string {
    if (this.#expected.has(id)) throw new Error(`step ${id} is expected twice`);
    this.#expected.set(id, expectation);
    return id;
  }

  /** Keeps a work report that came back to the user. */
  record(report: WorkReport): WorkReport {
    this.#reports.push(report);
    return report;
  }

  /** The report of the delegation made as step `id`, at any depth. */
  delegation(id: string): DelegationReport | undefined {
    const find = (report: WorkReport): DelegationReport | undefined => {
      for (const d of report.delegations) {
        if (d.step === id) return d;
        const inner = d.report ? find(d.report) : undefined;
        if (inner) return inner;
      }
      return undefined;
    };
    for (const report of this.#reports) {
      const found = find(report);
      if (found) return found;
    }
    return undefined;
  }

  /** Every expected step, in the order registered, with its actual outcome (`missing` when it did not run). */
  results(trace: Trace): StepResult[] {
    const seen = new Map<string, StepResult>();
    const visit = (report: WorkReport) => {
      for (const c of report.calls) seen.set(c.step, fromCall(c, this.#expected.get(c.step), trace, report.agent));
      for (const d of report.delegations) {
        const e = this.#expected.get(d.step);
        if (e) seen.set(d.step, fromDelegation(d, e, trace, report.agent));
        if (d.report) visit(d.report);
      }
    };
    for (const report of this.#reports) visit(report);
    return [...this.#expected].map(
      ([id, e]) =>
        seen.get(id) ?? { id, title: e.title, shows: e.shows, expected: e.expected, ...(e.code ? { expectedCode: e.code } : {}), actual: 'missing', ok: false, reason: 'step did not run', actor: '?' },
    );
  }
}

function judge(e: Expectation | undefined, actual: Outcome, code: ErrorCode | undefined, check: string | undefined): boolean {
  if (!e) return false;
  return e.expected === actual && (e.code === undefined || e.code === code) && (e.check === undefined || e.check === check);
}

function fromCall(c: CallReport, e: Expectation | undefined, trace: Trace, actorDid: string): StepResult {
  const d = c.decision;
  const step: StepResult = {
    id: c.step,
    title: e?.title ?? c.step,
    shows: e?.shows ?? '',
    expected: e?.expected ?? 'allow',
    actual: d.decision,
    ok: judge(e, d.decision, d.code, d.check),
    reason: d.reason,
    actor: trace.who(d.agent ?? actorDid),
    agentDid: d.agent ?? actorDid,
    verifier: trace.who(d.verifier),
    chain: trace.chain(d.chain ?? []),
  };
  if (e?.code) step.expectedCode = e.code;
  if (d.code) step.actualCode = d.code;
  if (e?.check) step.expectedCheck = e.check;
  if (d.check) step.actualCheck = d.check;
  if (c.format) step.format = c.format;
  return step;
}

function fromDelegation(d: DelegationReport, e: Expectation, trace: Trace, actorDid: string): StepResult {
  const step: StepResult = {
    id: d.step,
    title: e.title,
    shows: e.shows,
    expected: e.expected,
    actual: d.outcome,
    ok: judge(e, d.outcome, d.code, d.check),
    reason: d.check ? `${d.check}: ${d.reason}` : d.reason,
    actor: trace.who(actorDid),
    agentDid: actorDid,
    delegate: d.delegate ? trace.who(d.delegate) : d.intendedDelegate,
    cardUrl: d.cardUrl,
  };
  if (e.code) step.expectedCode = e.code;
  if (d.code) step.actualCode = d.code;
  if (e.check) step.expectedCheck = e.check;
  if (d.check) step.actualCheck = d.check;
  if (d.format) step.format = d.format;
  if (d.granted) step.granted = d.granted;
  return step;
}
