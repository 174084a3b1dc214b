import { junkValues } from '@agent-id/test-support';
import { describe, expect, it } from 'vitest';
import { ERROR_DOMAIN, REFUSAL_CODES, jsonRpcRefusal, refusalOfA2AError } from '../src/index.js';

function thrown(data: unknown, message = 'refused') {
  return Object.assign(new Error(message), { data });
}

describe('refusals as JSON-RPC errors, and back', () => {
  it('round-trips code and check; keeps only printable text and a usable id', () => {
    const envelope = jsonRpcRefusal('r1', { code: 'holder_mismatch', check: 'delegation_to', message: 'addressed\nto another\u0000 agent' }, REFUSAL_CODES.permissionDenied);
    expect(envelope.error.message).toBe('addressed?to another? agent');
    const back = refusalOfA2AError(thrown(envelope.error.data, envelope.error.message));
    expect({ code: back?.code, check: back?.check }).toEqual({ code: 'holder_mismatch', check: 'delegation_to' });
    for (const id of junkValues) {
      const e = jsonRpcRefusal(id, { code: 'denied', check: 'x', message: 'm' }, -1);
      expect(e.id === null || typeof e.id === 'string' || Number.isInteger(e.id)).toBe(true);
    }
  });

  it("a server's unknown code becomes denied/remote_refusal; foreign or junk details are not refusals", () => {
    const unknown = refusalOfA2AError(thrown([{ '@type': 'x', domain: ERROR_DOMAIN, metadata: { code: 'rm -rf', check: 'c' } }]));
    expect({ code: unknown?.code, check: unknown?.check }).toEqual({ code: 'denied', check: 'remote_refusal' });
    expect(refusalOfA2AError(thrown([{ domain: 'a2a-protocol.org', metadata: { code: 'denied', check: 'c' } }]))).toBeUndefined();
    for (const value of junkValues) {
      expect(refusalOfA2AError(value)).toBeUndefined();
      const r = refusalOfA2AError(thrown(value));
      expect(r).toBeUndefined();
      const nested = refusalOfA2AError(thrown([{ domain: ERROR_DOMAIN, metadata: { code: value, check: value } }]));
      // A string is a claimed code: not one of ours, so denied; anything else is no refusal.
      if (typeof value === 'string') expect({ code: nested?.code, check: nested?.check }).toEqual({ code: 'denied', check: 'remote_refusal' });
      else expect(nested).toBeUndefined();
    }
  });
});
