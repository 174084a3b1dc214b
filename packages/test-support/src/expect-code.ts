import { expect } from 'vitest';

/**
 * What {@link expectCode} returns: the refusal, an `AgentIdError` of `@agent-id/core` (cast
 * it to its class for a subclass's members, e.g. `line` of `AuditChainBrokenError`).
 */
export interface CodedError extends Error {
  readonly code: string;
  readonly check: string;
}

/**
 * Whether `error` is an `AgentIdError` (an instance of a class of that name or a subclass of
 * it). By class name, not `instanceof`: a package's own tests throw from its `src/` while
 * this package would see `@agent-id/core`'s `dist/` copy of the class, and this package may
 * depend on no workspace package (core's tests use it).
 */
function isAgentIdError(error: unknown): error is CodedError {
  if (!(error instanceof Error)) return false;
  for (let proto = Object.getPrototypeOf(error); proto !== null && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, 'constructor') && (proto.constructor as { name?: unknown }).name === 'AgentIdError') return true;
  }
  return false;
}

function assertCoded(error: unknown, code: string, check: string | undefined): CodedError {
  if (!isAgentIdError(error)) {
    const what = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
    expect.fail(`expected an AgentIdError with code ${String(code)}, but it threw ${what}`);
  }
  expect({ code: error.code, ...(check === undefined ? {} : { check: error.check }) }).toEqual({ code, ...(check === undefined ? {} : { check }) });
  return error;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';

/** What {@link expectCode} returns for a function returning `R`: a promise when `R` is one. */
export type Refusal<R> = [R] extends [never] ? CodedError : [R] extends [PromiseLike<unknown>] ? Promise<CodedError> : CodedError;

/**
 * Asserts that `action` is refused with an `AgentIdError` whose `code` is `code` and, when
 * `check` is given, whose `check` is `check`; returns the error for further assertions.
 * Anything else fails the test: returning or resolving, another error type, another code
 * or check.
 *
 * `action` is a promise, or a function called once: when it throws, the assertion is made
 * at once and the error returned; when it returns a promise, the assertion waits for it (so
 * `await` the result). `code` may be an asymmetric matcher (`expect.stringMatching(…)`).
 *
 * @example
 * ```ts
 * const e = expectCode(() => parseJson('{'), 'malformed_input');
 * await expectCode(verifyAuditLog(path), 'audit_chain_broken', 'truncated');
 * await expectCode(() => resolver.resolve('did:web:gone.example'), 'did_unreachable');
 * ```
 */
export function expectCode(action: PromiseLike<unknown>, code: string, check?: string): Promise<CodedError>;
export function expectCode<R>(action: () => R, code: string, check?: string): Refusal<R>;
export function expectCode(action: PromiseLike<unknown> | (() => unknown), code: string, check?: string): CodedError | Promise<CodedError> {
  let result: unknown = action;
  if (typeof action === 'function') {
    try {
      result = action();
    } catch (error) {
      return assertCoded(error, code, check);
    }
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      () => expect.fail(`expected an AgentIdError with code ${String(code)}, but the promise resolved`),
      (error: unknown) => assertCoded(error, code, check),
    );
  }
  return expect.fail(`expected an AgentIdError with code ${String(code)}, but the call returned`);
}
