import { describe, expect, it } from 'vitest';
import { expectCode } from '../src/index.js';

// Stand-ins for @agent-id/core's classes (this package may depend on no workspace package).
class AgentIdError extends Error {
  constructor(
    readonly code: string,
    readonly check: string = code,
  ) {
    super(`${code} (${check})`);
  }
}
class AuditChainBrokenError extends AgentIdError {
  readonly line = 3;
  constructor(check: string) {
    super('audit_chain_broken', check);
  }
}
/** An error with a code that is not an AgentIdError. */
class OtherCodedError extends Error {
  readonly code = 'denied';
  readonly check = 'actions';
}

const throwing = (error: unknown) => () => {
  throw error;
};

/** The assertion itself must fail: expectCode's failures are AssertionErrors. */
async function fails(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect((error as Error).name).toBe('AssertionError');
    return (error as Error).message;
  }
  expect.fail('expectCode passed where it must fail');
}

describe('expectCode', () => {
  it('returns the error at once for a function that throws, subclasses included', () => {
    const e = expectCode(throwing(new AgentIdError('denied', 'actions')), 'denied', 'actions');
    expect(e.message).toBe('denied (actions)');
    expect((expectCode(throwing(new AuditChainBrokenError('truncated')), 'audit_chain_broken') as AuditChainBrokenError).line).toBe(3);
  });

  it('waits for a promise, or a function returning one', async () => {
    await expect(expectCode(Promise.reject(new AgentIdError('expired')), 'expired')).resolves.toBeInstanceOf(AgentIdError);
    await expect(expectCode(async () => Promise.reject(new AuditChainBrokenError('parse')), 'audit_chain_broken', 'parse')).resolves.toMatchObject({ line: 3 });
  });

  it('takes an asymmetric matcher as the code', () => {
    expectCode(throwing(new AgentIdError('invalid_signature')), expect.stringMatching(/^(audit_chain_broken|invalid_signature)$/) as never);
  });

  it('fails when nothing is refused', async () => {
    expect(await fails(() => expectCode(() => 1, 'denied'))).toMatch(/call returned/);
    expect(await fails(() => expectCode(Promise.resolve(1), 'denied'))).toMatch(/promise resolved/);
    expect(await fails(() => expectCode(async () => 1, 'denied'))).toMatch(/promise resolved/);
  });

  it('fails on another code or another check', async () => {
    await fails(() => expectCode(throwing(new AgentIdError('denied', 'actions')), 'expired'));
    await fails(() => expectCode(throwing(new AgentIdError('denied', 'actions')), 'denied', 'resources'));
    await fails(() => expectCode(Promise.reject(new AgentIdError('denied', 'actions')), 'denied', 'resources'));
  });

  it('fails on anything that is not an AgentIdError, even with the right code', async () => {
    for (const error of [new OtherCodedError('x'), Object.assign(new TypeError('t'), { code: 'denied', check: 'actions' }), { code: 'denied', check: 'actions' }, 'denied', undefined]) {
      expect(await fails(() => expectCode(throwing(error), 'denied', 'actions'))).toMatch(/expected an AgentIdError/);
      expect(await fails(() => expectCode(Promise.reject(error), 'denied', 'actions'))).toMatch(/expected an AgentIdError/);
    }
  });
});
