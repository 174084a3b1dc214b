import { AgentIdError, type ErrorCode } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { ERROR_DOMAIN, printable } from './jsonrpc-refusal.js';

// Typed against core's union, so a code added there fails to compile here until listed.
const KNOWN: Record<ErrorCode, true> = {
  malformed_input: true,
  input_too_large: true,
  unsupported_algorithm: true,
  key_mismatch: true,
  invalid_signature: true,
  expired: true,
  not_yet_valid: true,
  wrong_audience: true,
  wrong_subject: true,
  wrong_task: true,
  unknown_did: true,
  unknown_key: true,
  key_not_authorized: true,
  did_unreachable: true,
  unreachable: true,
  untrusted_issuer: true,
  untrusted_signer: true,
  host_mismatch: true,
  signature_required: true,
  scope_widened: true,
  depth_exceeded: true,
  revoked: true,
  replayed: true,
  request_mismatch: true,
  unknown_challenge: true,
  denied: true,
  holder_mismatch: true,
  audit_chain_broken: true,
  resource_limit: true,
  bad_clock: true,
  nonce_required: true,
  credential_required: true,
  revocation_stale: true,
  suspended: true,
  status_unavailable: true,
  internal: true,
};

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(KNOWN, code);
}

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
