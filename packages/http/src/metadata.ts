import { isLoopbackHost } from '@agent-id/did';
import { PROOF_ALGORITHMS } from './refusal.js';

/** RFC 9728 protected-resource metadata, with this package's members (`agent_id_…`). */
export interface ProtectedResourceMetadata {
  resource: string;
  resource_name?: string;
  bearer_methods_supported: ['header'];
  dpop_signing_alg_values_supported: string[];
  dpop_bound_access_tokens_required: true;
  /** Capability token formats accepted in `Authorization: DPoP`. */
  agent_id_token_formats_supported: string[];
  /** Organisations whose ownership credentials are accepted. */
  agent_id_trusted_issuers: string[];
  /** The header an agent sends its ownership credential in, on first contact. */
  agent_id_credential_header: string;
  /** Whether proofs must carry a server nonce. */
  agent_id_nonce_required: boolean;
}

/**
 * The URL of a resource's metadata (RFC 9728 §3.1): `/.well-known/oauth-protected-resource`
 * inserted between the identifier's host and its path. The identifier must be an `https`
 * URL without query or fragment (`http` only on a loopback host).
 *
 * @example
 * ```ts
 * metadataUrlOf('https://tools.example/mcp'); // 'https://tools.example/.well-known/oauth-protected-resource/mcp'
 * ```
 */
export function metadataUrlOf(resource: string): string {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new TypeError('resource must be an absolute https URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) throw new TypeError('resource must be an https URL (http only on loopback)');
  if (url.search !== '' || url.hash !== '' || resource.includes('#') || resource.includes('?')) throw new TypeError('resource must have no query or fragment');
  if (url.href !== resource && `${url.href}` !== `${resource}/`) throw new TypeError(`resource must be written in normalized form (${url.href})`);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/** The metadata document of a guard's options (see {@link HttpGuard.metadata}). */
export function protectedResourceMetadata(options: {
  resource: string;
  resourceName?: string;
  trustedIssuers: readonly string[];
  trustedRoots?: unknown;
  rootSecrets?: readonly unknown[];
  nonces?: unknown;
}): ProtectedResourceMetadata {
  const formats = [...(options.trustedRoots !== undefined ? ['biscuit'] : []), ...(options.rootSecrets?.length ? ['macaroon'] : [])];
  return {
    resource: options.resource,
    ...(options.resourceName !== undefined ? { resource_name: options.resourceName } : {}),
    bearer_methods_supported: ['header'],
    dpop_signing_alg_values_supported: [...PROOF_ALGORITHMS],
    dpop_bound_access_tokens_required: true,
    agent_id_token_formats_supported: formats,
    agent_id_trusted_issuers: [...options.trustedIssuers],
    agent_id_credential_header: 'Agent-Credential',
    agent_id_nonce_required: options.nonces !== undefined,
  };
}
