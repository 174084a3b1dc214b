import type { AgentIdError, ErrorCode } from '@agent-id/core';
import type { MappedRequest } from './request-map.js';

/** The OAuth error of a refusal (RFC 6750 §3.1, RFC 9449 §7.1, §8). */
export type OAuthError = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce';

/** The JSON body of a refusal: the OAuth error beside this package's code and check. */
export interface RefusalBody {
  /** Absent when the request carried no credentials at all (RFC 6750 §3.1). */
  error?: OAuthError;
  error_description: string;
  code: ErrorCode;
  check: string;
  /** For `insufficient_scope`: what the request needed. */
  required?: MappedRequest;
}

/** A refusal as HTTP: status, headers (`WWW-Authenticate`, `DPoP-Nonce`) and JSON body. */
export interface Refusal {
  status: 400 | 401 | 403 | 503;
  code: ErrorCode;
  check: string;
  /** The refusal's reason, as the audit record states it. */
  reason: string;
  headers: Record<string, string>;
  body: RefusalBody;
}

/** Where in the request the refusal arose. */
export type RefusalStage = 'request' | 'authorization' | 'proof' | 'credential' | 'token';

/** Proof algorithms accepted (`algs` in challenges, `dpop_signing_alg_values_supported`). */
export const PROOF_ALGORITHMS = ['EdDSA', 'ES256', 'ES256K'] as const;

// A quoted-string of RFC 9110 §5.6.4 holding only what RFC 6750 §3 allows in error_description.
function quoted(text: string): string {
  return `"${text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?').slice(0, 300)}"`;
}

function oauthError(error: AgentIdError, stage: RefusalStage): { status: Refusal['status']; error: OAuthError | undefined } {
  if (error.code === 'resource_limit') return { status: 503, error: undefined };
  if (stage === 'request') return error.code === 'denied' ? { status: 403, error: 'insufficient_scope' } : { status: 400, error: 'invalid_request' };
  if (stage === 'authorization') {
    if (error.code === 'credential_required') return { status: 401, error: undefined };
    if (error.check === 'authorization') return { status: 400, error: 'invalid_request' };
    return { status: 401, error: 'invalid_token' };
  }
  if (stage === 'proof') {
    if (error.code === 'nonce_required') return { status: 401, error: 'use_dpop_nonce' };
    return { status: 401, error: 'invalid_dpop_proof' };
  }
  if (stage === 'token' && (error.code === 'denied' || error.code === 'wrong_task')) return { status: 403, error: 'insufficient_scope' };
  return { status: 401, error: 'invalid_token' };
}

/**
 * The HTTP answer to a refusal: 400 `invalid_request`, 401 with `WWW-Authenticate: DPoP`
 * (`invalid_token`, `invalid_dpop_proof`, `use_dpop_nonce` with a `DPoP-Nonce`, or no
 * error when no credentials were sent), 403 `insufficient_scope` naming what was needed,
 * 503 when a bound store is full; the challenge names the resource metadata
 * (`resource_metadata`, RFC 9728 §5.1) and the proof algorithms (`algs`). The body carries
 * the code and check; messages are this package's own, never token text or a stack.
 */
export function refusalOf(error: AgentIdError, stage: RefusalStage, context: { metadataUrl: string; nonce?: string | undefined; required?: MappedRequest | undefined }): Refusal {
  const { status, error: oauth } = oauthError(error, stage);
  const description = error.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
  const params = [
    ...(oauth !== undefined && oauth !== 'invalid_request' ? [`error=${quoted(oauth)}`, `error_description=${quoted(description)}`] : []),
    `algs=${quoted(PROOF_ALGORITHMS.join(' '))}`,
    `resource_metadata=${quoted(context.metadataUrl)}`,
  ];
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (status === 401 || status === 403) headers['www-authenticate'] = `DPoP ${params.join(', ')}`;
  if (oauth === 'use_dpop_nonce' && context.nonce !== undefined) headers['dpop-nonce'] = context.nonce;
  if (status === 503) headers['retry-after'] = '1';
  const body: RefusalBody = { error_description: description, code: error.code, check: error.check };
  if (oauth !== undefined) body.error = oauth;
  if (oauth === 'insufficient_scope' && context.required !== undefined) body.required = context.required;
  return { status, code: error.code, check: error.check, reason: error.message, headers, body };
}
