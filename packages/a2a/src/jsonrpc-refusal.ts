import type { ErrorCode } from '@agent-id/core';

/**
 * `google.rpc.ErrorInfo.domain` of this package's refusals.
 * @example
 * ```ts
 * const mine = details.filter((d) => d.domain === ERROR_DOMAIN);
 * ```
 */
export const ERROR_DOMAIN = 'agent-id';
/** `@type` of `google.rpc.ErrorInfo` (ProtoJSON `Any`), as A2A error details carry it. */
const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';

/**
 * JSON-RPC error codes of refusals (A2A §3.3.2 leaves authentication and authorization
 * errors to "a JSON-RPC custom error"): outside JSON-RPC's reserved -32768..-32000, A2A's
 * own codes included, and mirroring the HTTP status of the same refusal. Malformed
 * delegations are JSON-RPC's `-32602` (invalid params), as A2A says for validation errors.
 *
 * @example
 * ```ts
 * if (error.envelopeCode === REFUSAL_CODES.permissionDenied) console.log(refusalOfA2AError(error)?.code);
 * ```
 */
export const REFUSAL_CODES = { unauthenticated: -31401, permissionDenied: -31403, invalidParams: -32602, other: -31400 } as const;

/** A JSON-RPC error response carrying a refusal. */
export interface JsonRpcRefusal {
  jsonrpc: '2.0';
  id: string | number | null;
  error: {
    code: number;
    message: string;
    /** One `google.rpc.ErrorInfo`: `reason` is the code in upper case, `metadata` holds `code` and `check`. */
    data: [{ '@type': typeof ERROR_INFO_TYPE; reason: string; domain: typeof ERROR_DOMAIN; metadata: Record<string, string> }];
  };
}

/** @internal Printable ASCII only, at most 300 characters: what a refusal's message may carry. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
}

/**
 * The JSON-RPC error response for a refusal (A2A §9.5 shape: `error.data` is a list of
 * ProtoJSON `Any` details), never with token text or a stack.
 *
 * @example
 * ```ts
 * res.status(200).json(jsonRpcRefusal(request.id, error, REFUSAL_CODES.permissionDenied));
 * ```
 */
export function jsonRpcRefusal(id: unknown, refusal: { code: ErrorCode; check: string; message: string }, jsonRpcCode: number, extra: Record<string, string> = {}): JsonRpcRefusal {
  const safeId = typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
  return {
    jsonrpc: '2.0',
    id: safeId,
    error: {
      code: jsonRpcCode,
      message: printable(refusal.message),
      data: [{ '@type': ERROR_INFO_TYPE, reason: refusal.code.toUpperCase(), domain: ERROR_DOMAIN, metadata: { ...extra, code: refusal.code, check: printable(refusal.check) } }],
    },
  };
}
