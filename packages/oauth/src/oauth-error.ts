import type { AgentIdError, ErrorCode } from '@agent-id/core';

/** The OAuth error codes a token exchange answers with (RFC 6749 §5.2, RFC 8693 §2.2.2, RFC 9449 §5). */
export type TokenErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_dpop_proof';

/** Which part of the token request an error was found in. */
export type ExchangeStage = 'request' | 'proof' | 'actor' | 'subject' | 'policy' | 'scope' | 'target';

/** The JSON body of a refused token request: the OAuth error, and this toolkit's code and check beside it. */
export interface TokenErrorBody {
  error: TokenErrorCode;
  error_description: string;
  code: ErrorCode;
  check: string;
}

// The stage decides the OAuth error, except for codes that mean the same wherever they occur.
const BY_STAGE: Record<ExchangeStage, TokenErrorCode> = {
  request: 'invalid_request',
  proof: 'invalid_dpop_proof',
  actor: 'unauthorized_client',
  subject: 'invalid_grant',
  policy: 'unauthorized_client',
  scope: 'invalid_scope',
  target: 'invalid_target',
};

/**
 * The OAuth error for a refusal found at `stage`, with its status (400; 401 for
 * `invalid_client`). Malformed or oversized parameters are `invalid_request` wherever
 * they are met (a grant other than token exchange: `unsupported_grant_type`); everything else follows the stage: the subject token (`invalid_grant`),
 * the actor's proof (`invalid_dpop_proof`), its credential and the agent policy
 * (`unauthorized_client`), the scope (`invalid_scope`) and the resource or audience
 * (`invalid_target`).
 *
 * @example
 * ```ts
 * const { status, body } = tokenErrorOf(error, 'subject'); // 400, { error: 'invalid_grant', code: 'expired', ... }
 * ```
 */
export function tokenErrorOf(error: AgentIdError, stage: ExchangeStage): { status: number; body: TokenErrorBody } {
  let oauth = BY_STAGE[stage];
  if (error.check === 'unsupported_grant_type') oauth = 'unsupported_grant_type';
  else if (stage === 'request' || ((error.code === 'malformed_input' || error.code === 'input_too_large') && (stage === 'scope' || stage === 'target'))) oauth = 'invalid_request';
  return { status: oauth === 'invalid_client' ? 401 : 400, body: { error: oauth, error_description: error.message.slice(0, 300), code: error.code, check: error.check } };
}
