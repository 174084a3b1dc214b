import { AgentIdError, isErrorCode } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { ERROR_DOMAIN, printable } from './jsonrpc-refusal.js';

/**
 * The refusal an A2A call met, as an `AgentIdError` with the server's `code` and `check`,
 * read from what the SDK client threw (a JSON-RPC error whose details carry this package's
 * `ErrorInfo`); undefined for any other error. The code is the server's claim: one that is
 * not an agent-id code becomes `denied`, its check `remote_refusal`.
 *
 * @example
 * ```ts
 * try { await client.sendMessage(params); } catch (e) { const refusal = refusalOfA2AError(e); if (refusal) console.log(refusal.code); }
 * ```
 */
export function refusalOfA2AError(error: unknown): AgentIdError | undefined {
  if (error instanceof AgentIdError) return error;
  if (!(error instanceof Error)) return undefined;
  // The SDK's streaming transport wraps the JSON-RPC error as the `cause` of a plain Error.
  const data: unknown = (error as { data?: unknown }).data ?? (error.cause instanceof Error ? (error.cause as { data?: unknown }).data : undefined);
  const details = Array.isArray(data) ? data : [];
  for (const detail of details) {
    if (!isRecord(detail) || detail.domain !== ERROR_DOMAIN || !isRecord(detail.metadata)) continue;
    const { code, check } = detail.metadata;
    if (typeof code !== 'string' || typeof check !== 'string') continue;
    if (!isErrorCode(code)) return new AgentIdError('denied', printable(error.message), { check: 'remote_refusal' });
    return new AgentIdError(code, printable(error.message), { check: printable(check) });
  }
  return undefined;
}
