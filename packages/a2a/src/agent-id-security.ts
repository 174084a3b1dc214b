import type { SecurityRequirement, SecurityScheme } from '@agent-id/a2a-cards';

/**
 * Name, in a card's `securitySchemes`, of presenting a capability token for the agent's endpoint.
 * @example
 * ```ts
 * card.securitySchemes?.[CAPABILITY_SCHEME]; // { httpAuthSecurityScheme: { scheme: 'DPoP', … } }
 * ```
 */
export const CAPABILITY_SCHEME = 'agentIdCapability';
/**
 * Name, in a card's `securitySchemes`, of presenting the calling agent's ownership credential alone.
 * @example
 * ```ts
 * const acceptsCredential = CREDENTIAL_SCHEME in (card.securitySchemes ?? {});
 * ```
 */
export const CREDENTIAL_SCHEME = 'agentIdOwnershipCredential';
/**
 * The HTTP authentication scheme both use (RFC 9449, registered with IANA).
 * @example
 * ```ts
 * headers.authorization = `${HTTP_AUTH_SCHEME} ${token}`;
 * ```
 */
export const HTTP_AUTH_SCHEME = 'DPoP';

/** Options of {@link agentIdSecurity}. */
export interface AgentIdSecurityOptions {
  /** Whether an agent with no token for this endpoint may call with its ownership credential and a proof. */
  acceptCredentialOnly: boolean;
  /** The endpoint's RFC 9728 resource metadata URL, named in the schemes' descriptions. */
  metadataUrl: string;
  /** Organisations whose ownership credentials are accepted: the requirements' role names. */
  trustedIssuers: readonly string[];
}

/** The members of an agent card that declare how callers authenticate. */
export interface AgentIdSecurity {
  securitySchemes: Record<string, SecurityScheme>;
  securityRequirements: SecurityRequirement[];
}

/**
 * The `securitySchemes` and `securityRequirements` (A2A v1.0 §4.5) of an endpoint guarded
 * by `A2AGuard`. Both schemes are HTTP authentication with the `DPoP` scheme: the
 * credential travels in `Authorization: DPoP <credential>` and every request carries a
 * `DPoP` proof signed by the calling agent's DID key, bound to the credential by its `ath`.
 * {@link CAPABILITY_SCHEME}: the credential is a capability token whose audience is the
 * endpoint (the ownership credential goes once in `Agent-Credential`);
 * {@link CREDENTIAL_SCHEME} (only when `acceptCredentialOnly`): the credential is the
 * agent's ownership credential (VC-JWT), whose subject must be the DID that signs the proof.
 * Each is one requirement of its own: either satisfies the card. A requirement's list names
 * the organisations whose ownership credentials are accepted (OpenAPI 3.2, on which A2A's
 * security objects are modelled, lets a non-OAuth requirement list role names): a client
 * knows before calling whether its organisation is one, and a requirement is never empty,
 * which the SDK's canonical card form would drop (so a signed card could not carry it).
 *
 * @example
 * ```ts
 * const { securitySchemes, securityRequirements } = agentIdSecurity({ acceptCredentialOnly: true, metadataUrl, trustedIssuers: [acme.did] });
 * ```
 */
export function agentIdSecurity(options: AgentIdSecurityOptions): AgentIdSecurity {
  const metadata = `resource metadata (RFC 9728): ${options.metadataUrl}`;
  const securitySchemes: Record<string, SecurityScheme> = {
    [CAPABILITY_SCHEME]: {
      httpAuthSecurityScheme: {
        scheme: HTTP_AUTH_SCHEME,
        bearerFormat: 'agent-id capability token (Biscuit or Macaroon)',
        description: `A capability token naming this endpoint as audience in "Authorization: DPoP", a per-request proof (RFC 9449 shape) signed by the agent's DID key in "DPoP", the agent's ownership credential once in "Agent-Credential"; ${metadata}`,
      },
    },
  };
  const roles = (): { list: string[] } => ({ list: [...options.trustedIssuers] });
  const securityRequirements: SecurityRequirement[] = [{ schemes: { [CAPABILITY_SCHEME]: roles() } }];
  if (options.acceptCredentialOnly) {
    securitySchemes[CREDENTIAL_SCHEME] = {
      httpAuthSecurityScheme: {
        scheme: HTTP_AUTH_SCHEME,
        bearerFormat: 'VC-JWT ownership credential',
        description: `The agent's ownership credential (VC-JWT, its subject the agent's DID) in "Authorization: DPoP" and a per-request proof signed by that DID's key in "DPoP"; ${metadata}`,
      },
    };
    securityRequirements.push({ schemes: { [CREDENTIAL_SCHEME]: roles() } });
  }
  return { securitySchemes, securityRequirements };
}
