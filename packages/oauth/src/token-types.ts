/**
 * RFC 8693 `grant_type` of a token exchange.
 * @example
 * ```ts
 * new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token, subject_token_type: TOKEN_TYPES.idToken });
 * ```
 */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * Token type identifiers (RFC 8693 §3) this service reads and writes. The two capability
 * forms have no registered URN: they are named under this toolkit's own namespace.
 *
 * @example
 * ```ts
 * form.set('requested_token_type', TOKEN_TYPES.biscuit);
 * ```
 */
export const TOKEN_TYPES = Object.freeze({
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  biscuit: 'urn:agent-id:params:oauth:token-type:biscuit',
  macaroon: 'urn:agent-id:params:oauth:token-type:macaroon',
  /** The agent's ownership credential (VC-JWT), sent as `actor_token`. */
  ownershipCredential: 'urn:agent-id:params:oauth:token-type:ownership-credential',
  /**
   * A SPIFFE JWT-SVID, sent as `actor_token` by an agent that runs as a workload (its
   * ownership credential then goes in `actor_credential`). RFC 8693's generic
   * `urn:ietf:params:oauth:token-type:jwt` is read as a JWT-SVID in that place too.
   */
  jwtSvid: 'urn:agent-id:params:oauth:token-type:jwt-svid',
} as const);
