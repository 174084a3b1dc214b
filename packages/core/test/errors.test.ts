import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import { AgentIdError, AuditChainBrokenError, DeniedError, isAgentIdError, MalformedInputError } from '../src/index.js';

describe('AgentIdError', () => {
  it('carries code, check, name and cause; JSON shows no cause', () => {
    const cause = new Error('inner secret detail');
    const e = new MalformedInputError('token is not base64url', { check: 'token', cause });
    expect(e).toBeInstanceOf(AgentIdError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('malformed_input');
    expect(e.check).toBe('token');
    expect(e.name).toBe('MalformedInputError');
    expect(e.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ name: 'MalformedInputError', code: 'malformed_input', check: 'token', message: 'token is not base64url' });
    expect(new DeniedError('no').check).toBe('authorization');
  });

  it('isAgentIdError narrows by code', () => {
    const e = new DeniedError('no');
    expect(isAgentIdError(e)).toBe(true);
    expect(isAgentIdError(e, 'denied')).toBe(true);
    expect(isAgentIdError(e, 'revoked')).toBe(false);
    expect(isAgentIdError(new Error('x'))).toBe(false);
    expect(isAgentIdError({ code: 'denied' })).toBe(false);
  });

  it('every exported error class has a distinct static code matching its instances', () => {
    const classes = Object.entries(core).filter(
      ([name, value]) => typeof value === 'function' && name.endsWith('Error') && name !== 'AgentIdError' && value.prototype instanceof AgentIdError,
    ) as [string, (new (message: string) => AgentIdError) & { code: string }][];
    expect(classes.length).toBeGreaterThanOrEqual(25);
    const codes = new Set<string>();
    for (const [name, Cls] of classes) {
      const instance = new Cls('m');
      expect(instance.code).toBe(Cls.code);
      expect(instance.name).toBe(name);
      expect(codes.has(Cls.code)).toBe(false);
      codes.add(Cls.code);
    }
  });

  it('ERROR_CODES lists every code an error class carries, once; isErrorCode accepts exactly those', () => {
    expect(new Set(core.ERROR_CODES).size).toBe(core.ERROR_CODES.length);
    const classCodes = Object.values(core)
      .filter((v): v is typeof AgentIdError & { code: string } => typeof v === 'function' && v.prototype instanceof AgentIdError)
      .map((Cls) => Cls.code);
    for (const code of classCodes) expect(core.ERROR_CODES).toContain(code);
    for (const code of core.ERROR_CODES) expect(core.isErrorCode(code)).toBe(true);
    for (const junk of ['teapot', 'EXPIRED', 'expired ', '__proto__', 'toString', '', 1, null, undefined, {}, ['expired']]) {
      expect(core.isErrorCode(junk)).toBe(false);
    }
    expect(Object.isFrozen(core.ERROR_CODES)).toBe(true);
  });

  it('AuditChainBrokenError can carry a line number', () => {
    const e = new AuditChainBrokenError('line 3: edited');
    e.line = 3;
    expect(e.line).toBe(3);
    expect(e.code).toBe('audit_chain_broken');
  });
});
