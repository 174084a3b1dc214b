import { MalformedInputError } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { prepareCard } from './prepare.js';
import type { AgentCard, AgentExtension } from './types.js';

/**
 * URI of the card extension that carries an ownership credential in its `params.credential`.
 * @example
 * ```ts
 * card.capabilities.extensions?.find((e) => e.uri === OWNERSHIP_EXTENSION_URI);
 * ```
 */
export const OWNERSHIP_EXTENSION_URI = 'urn:agent-id:a2a:ownership-credential:v1';

/**
 * Adds (or replaces) the ownership extension in `capabilities.extensions`: an
 * `AgentExtension` whose `params.credential` is the VC-JWT from `@agent-id/did`
 * `issueOwnershipCredential`. Attach before signing, so the card signatures cover it.
 * Returns a new card.
 *
 * @example
 * ```ts
 * import { issueOwnershipCredential } from '@agent-id/did';
 * import { attachOwnershipCredential, signAgentCard } from '@agent-id/a2a-cards';
 * const vc = await issueOwnershipCredential(acme, { agent: planner.did });
 * const signed = signAgentCard(signAgentCard(attachOwnershipCredential(card, vc), planner), acme);
 * ```
 */
export function attachOwnershipCredential(card: AgentCard | unknown, credential: string): AgentCard {
  if (typeof credential !== 'string' || credential.length === 0 || credential.length > 16_384 || credential.split('.').length !== 3) {
    throw new MalformedInputError('ownership credential must be a compact JWT', { check: 'ownership_credential' });
  }
  const { raw } = prepareCard(card);
  const capabilities = isRecord(raw.capabilities) ? raw.capabilities : {};
  const others = Array.isArray(capabilities.extensions)
    ? (capabilities.extensions as unknown[]).filter((e) => !(isRecord(e) && e.uri === OWNERSHIP_EXTENSION_URI))
    : [];
  const extension: AgentExtension = {
    uri: OWNERSHIP_EXTENSION_URI,
    description: 'Ownership credential (VC-JWT) issued by the organisation operating this agent',
    params: { credential },
  };
  return { ...(raw as unknown as AgentCard), capabilities: { ...capabilities, extensions: [...(others as AgentExtension[]), extension] } };
}

/** The credential in a signed view's ownership extension, if any. */
export function ownershipCredentialIn(signed: Record<string, unknown>): string | undefined {
  const caps = signed.capabilities;
  if (!isRecord(caps) || !Array.isArray(caps.extensions)) return undefined;
  const found = caps.extensions.filter((e) => isRecord(e) && e.uri === OWNERSHIP_EXTENSION_URI);
  if (found.length > 1) throw new MalformedInputError('card carries more than one ownership extension', { check: 'ownership_credential' });
  const params = found[0]?.params;
  if (found.length === 0) return undefined;
  if (!isRecord(params) || typeof params.credential !== 'string') {
    throw new MalformedInputError('ownership extension has no params.credential string', { check: 'ownership_credential' });
  }
  return params.credential;
}
