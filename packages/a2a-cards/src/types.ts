/**
 * A2A v1.0 AgentCard types in their JSON form (the protobuf JSON mapping the A2A
 * specification and `@a2a-js/sdk` use on the wire): the card, its interfaces, provider,
 * capabilities, extensions, security schemes, skills and signatures. Only these: each
 * operation's options and verdict types live beside it (`SignAgentCardOptions` in
 * `sign-agent-card.ts`, `VerifyAgentCardOptions` and `AgentCardVerdict` in
 * `verify-agent-card.ts`, `TrustPolicy` in `trust-policy.ts`, and so on).
 *
 * @module types
 */

/** Any JSON value (the `google.protobuf.Struct` members of `params` and `header`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [member: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [member: string]: JsonValue };

/** A URL, protocol binding and protocol version at which the agent can be reached. */
export interface AgentInterface {
  /** Absolute URL of this interface, e.g. `https://api.acme.example/a2a/v1`. */
  url: string;
  /** `JSONRPC`, `GRPC`, `HTTP+JSON` or another binding name. */
  protocolBinding: string;
  /** A2A protocol version exposed here, e.g. `1.0`. */
  protocolVersion: string;
  /** Tenant to put in every request sent to this interface. */
  tenant?: string;
}

/** The organisation providing the agent. */
export interface AgentProvider {
  url: string;
  organization: string;
}

/** A protocol extension the agent supports. */
export interface AgentExtension {
  uri: string;
  description?: string;
  required?: boolean;
  params?: JsonObject;
}

/** Optional capabilities of the agent. */
export interface AgentCapabilities {
  streaming?: boolean;
  pushNotifications?: boolean;
  extensions?: AgentExtension[];
  extendedAgentCard?: boolean;
}

/** Scopes required for one security scheme. */
export interface StringList {
  list?: string[];
}

/** A set of security schemes (by name) that together authorise a request. */
export interface SecurityRequirement {
  schemes?: Record<string, StringList>;
}

/** API key authentication. */
export interface APIKeySecurityScheme {
  description?: string;
  /** `query`, `header` or `cookie`. */
  location: string;
  name: string;
}

/** HTTP authentication (`Bearer`, `Basic`, …). */
export interface HTTPAuthSecurityScheme {
  description?: string;
  scheme: string;
  bearerFormat?: string;
}

/** OAuth 2.0 authorization code flow. */
export interface AuthorizationCodeOAuthFlow {
  authorizationUrl: string;
  tokenUrl: string;
  refreshUrl?: string;
  scopes: Record<string, string>;
  pkceRequired?: boolean;
}

/** OAuth 2.0 client credentials flow. */
export interface ClientCredentialsOAuthFlow {
  tokenUrl: string;
  refreshUrl?: string;
  scopes: Record<string, string>;
}

/** OAuth 2.0 implicit flow (deprecated by A2A). */
export interface ImplicitOAuthFlow {
  authorizationUrl: string;
  refreshUrl?: string;
  scopes: Record<string, string>;
}

/** OAuth 2.0 password flow (deprecated by A2A). */
export interface PasswordOAuthFlow {
  tokenUrl: string;
  refreshUrl?: string;
  scopes: Record<string, string>;
}

/** OAuth 2.0 device code flow. */
export interface DeviceCodeOAuthFlow {
  deviceAuthorizationUrl: string;
  tokenUrl: string;
  refreshUrl?: string;
  scopes: Record<string, string>;
}

/** Exactly one OAuth flow. */
export type OAuthFlows =
  | { authorizationCode: AuthorizationCodeOAuthFlow }
  | { clientCredentials: ClientCredentialsOAuthFlow }
  | { implicit: ImplicitOAuthFlow }
  | { password: PasswordOAuthFlow }
  | { deviceCode: DeviceCodeOAuthFlow };

/** OAuth 2.0 authentication. */
export interface OAuth2SecurityScheme {
  description?: string;
  flows: OAuthFlows;
  oauth2MetadataUrl?: string;
}

/** OpenID Connect authentication. */
export interface OpenIdConnectSecurityScheme {
  description?: string;
  openIdConnectUrl: string;
}

/** Mutual TLS authentication. */
export interface MutualTlsSecurityScheme {
  description?: string;
}

/** Exactly one security scheme (a protobuf `oneof` in its JSON form). */
export type SecurityScheme =
  | { apiKeySecurityScheme: APIKeySecurityScheme }
  | { httpAuthSecurityScheme: HTTPAuthSecurityScheme }
  | { oauth2SecurityScheme: OAuth2SecurityScheme }
  | { openIdConnectSecurityScheme: OpenIdConnectSecurityScheme }
  | { mtlsSecurityScheme: MutualTlsSecurityScheme };

/** Something the agent can do. */
export interface AgentSkill {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples?: string[];
  inputModes?: string[];
  outputModes?: string[];
  securityRequirements?: SecurityRequirement[];
}

/** One JWS over the card (RFC 7515, payload detached): A2A specification section 8.4.2. */
export interface AgentCardSignature {
  /** base64url of the protected header JSON: `{alg, kid, typ}`. */
  protected: string;
  /** base64url of the signature. */
  signature: string;
  /** Unprotected header members; never used for trust. */
  header?: JsonObject;
}

/**
 * An A2A v1.0 Agent Card (A2A specification section 4.4.1), as served at
 * `/.well-known/agent-card.json`.
 */
export interface AgentCard {
  name: string;
  description: string;
  /** Endpoints in preference order; the first is preferred. Their URL hosts bind the card to a domain. */
  supportedInterfaces: AgentInterface[];
  provider?: AgentProvider;
  version: string;
  documentationUrl?: string;
  capabilities: AgentCapabilities;
  securitySchemes?: Record<string, SecurityScheme>;
  securityRequirements?: SecurityRequirement[];
  defaultInputModes: string[];
  defaultOutputModes: string[];
  skills: AgentSkill[];
  signatures?: AgentCardSignature[];
  iconUrl?: string;
}
