import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { AgentIdError, type ErrorCode } from '../src/index.js';

/** Runs `fn` and returns what it threw (fails the test when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail('expected a throw, but the call returned');
}

/** Asserts `fn` throws an {@link AgentIdError} with `code` (and, when given, `check`). */
export function expectCode(fn: () => unknown, code: ErrorCode, check?: string): AgentIdError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(AgentIdError);
  const e = error as AgentIdError;
  expect({ code: e.code, ...(check === undefined ? {} : { check: e.check }) }).toEqual({ code, ...(check === undefined ? {} : { check }) });
  return e;
}

/** Async form of {@link expectCode}. */
export async function expectCodeAsync(promise: Promise<unknown>, code: ErrorCode, check?: string): Promise<AgentIdError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(AgentIdError);
  const e = error as AgentIdError;
  expect({ code: e.code, ...(check === undefined ? {} : { check: e.check }) }).toEqual({ code, ...(check === undefined ? {} : { check }) });
  return e;
}

/** Reads a JSON vector file from test/vectors. */
export function loadVector<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
