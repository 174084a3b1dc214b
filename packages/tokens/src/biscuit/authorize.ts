import { type AgentIdError, type CapabilityRequest, DeniedError, type PublicKey } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { type TokenLimits, datalogLimits } from '../limits.js';
import { type CapabilityToken, bytesOf } from '../token.js';
import { mapWasmError } from '../wasm/errors.js';
import { withBiscuit } from '../wasm/lazy.js';
import type { Glue } from '../wasm/runtime.js';
import { parseBiscuit } from './chain.js';
import { DEFAULT_CLOCK_TOLERANCE_SEC } from '../model.js';
import { ALLOW_POLICY, REQUEST_FACTS, TASK_CHECK, TASK_FACT, dateParam } from './datalog.js';

/** @internal Counts authorizer runs, so tests can tell that a refusal came before Datalog. */
export const datalogRuns = { count: 0 };

function mapRefusal(error: unknown): AgentIdError {
  if (isRecord(error) && isRecord(error.FailedLogic)) {
    const logic = error.FailedLogic;
    const detail = isRecord(logic.Unauthorized) ? logic.Unauthorized : isRecord(logic.NoMatchingPolicy) ? logic.NoMatchingPolicy : undefined;
    const checks = detail && Array.isArray(detail.checks) ? detail.checks : [];
    const where = checks
      .map((c: unknown) => (isRecord(c) && isRecord(c.Block) ? `block ${String(c.Block.block_id)}` : 'authorizer'))
      .join(', ');
    const policy = detail && isRecord(detail.policy) && 'Deny' in detail.policy ? 'a deny policy matched' : 'no allow policy matched';
    return new DeniedError(`Datalog refused the request: ${where ? `failed checks in ${where}` : policy}`, { check: 'datalog' });
  }
  return mapWasmError(error, 'biscuit authorization');
}

type RequestFact = (typeof REQUEST_FACTS)[number][1];

interface AuthorizerTemplates {
  facts: Array<{ fact: Glue['Fact']['prototype']; name: RequestFact }>;
  policy: Glue['Policy']['prototype'];
  task: Glue['Check']['prototype'];
  taskFact: Glue['Fact']['prototype'];
}

// Parsed once per instance: AuthorizerBuilder.addFact/addPolicy/addCheck take their
// argument by reference (they copy it), so the templates stay owned here and are reused
// with new parameter values on every call. They live as long as their instance (a
// retired instance's memory is dropped whole), so they are never freed one by one.
const templates = new WeakMap<Glue, AuthorizerTemplates>();

function templatesOf(glue: Glue): AuthorizerTemplates {
  let t = templates.get(glue);
  if (!t) {
    t = {
      facts: REQUEST_FACTS.map(([source, name]) => ({ fact: glue.Fact.fromString(source), name })),
      policy: glue.Policy.fromString(ALLOW_POLICY),
      task: glue.Check.fromString(TASK_CHECK),
      taskFact: glue.Fact.fromString(TASK_FACT),
    };
    templates.set(glue, t);
  }
  return t;
}

type Biscuit = Glue['Biscuit']['prototype'];

/** One authorizer run over the parsed token; returns the raw failure, if any. */
function runAuthorizer(glue: Glue, biscuit: Biscuit, values: Record<RequestFact, string | { date: string }>, task: string | undefined, limits: TokenLimits): unknown {
  const t = templatesOf(glue);
  const builder = new glue.AuthorizerBuilder();
  try {
    for (const { fact, name } of t.facts) {
      fact.set(name, values[name]);
      builder.addFact(fact);
    }
    builder.addPolicy(t.policy);
    if (task !== undefined) {
      t.task.set('task', task);
      builder.addCheck(t.task);
      t.taskFact.set('task', task);
      builder.addFact(t.taskFact);
    }
  } catch (error) {
    builder.free();
    throw error;
  }
  // buildAuthenticated consumes the builder: it must not be freed afterwards.
  const authorizer = builder.buildAuthenticated(biscuit);
  datalogRuns.count++;
  try {
    authorizer.authorizeWithLimits(datalogLimits(limits));
    return undefined;
  } catch (error) {
    return error ?? new Error('authorization failed');
  } finally {
    authorizer.free();
  }
}

/**
 * Runs biscuit-wasm on the token, once: it parses it (verifying every signature again,
 * independently of node:crypto) and runs the Datalog authorizer with the request facts,
 * the time and the latest issue time accepted (`nowSeconds` plus `toleranceSec`).
 * Returns the mapped refusal, or undefined when allowed; a run-limit failure is the
 * token's (`resource_limit`), not retried. Call only after the native checks passed.
 */
export async function datalogRefusal(
  token: CapabilityToken,
  request: CapabilityRequest,
  nowSeconds: number,
  root: PublicKey,
  limits: TokenLimits,
  toleranceSec: number = DEFAULT_CLOCK_TOLERANCE_SEC,
): Promise<AgentIdError | undefined> {
  const values = {
    resource: request.resource,
    action: request.action,
    operation: request.action,
    audience: request.audience,
    time: dateParam(nowSeconds),
    // Datalog dates are whole seconds: a fractional tolerance is rounded down, as natively.
    issue_limit: dateParam(Math.floor(nowSeconds + toleranceSec)),
  };
  return withBiscuit((glue) => {
    // Read synchronously here: the view may be a shared buffer (see bytesOf).
    const biscuit = parseBiscuit(glue, bytesOf(token), [root], limits);
    try {
      const failure = runAuthorizer(glue, biscuit, values, request.task, limits);
      return failure === undefined ? undefined : mapRefusal(failure);
    } finally {
      biscuit.free();
    }
  });
}
