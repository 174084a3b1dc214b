import type { CapabilityToken } from '@agent-id/tokens';

/**
 * Metadata key under which a message carries a capability token delegated to its receiver
 * (the token's wire form). The receiver accepts it only when the token's last hop names the
 * receiver and was made by the authenticated sender (see `verifyDelegation`).
 * @example
 * ```ts
 * const wire = message.metadata?.[CAPABILITY_METADATA_KEY];
 * ```
 */
export const CAPABILITY_METADATA_KEY = 'agent-id/capability';
/**
 * Metadata key of the task id the delegated capability is for.
 * @example
 * ```ts
 * const task = message.metadata?.[TASK_METADATA_KEY];
 * ```
 */
export const TASK_METADATA_KEY = 'agent-id/task';

/**
 * Message metadata carrying a capability token delegated for a task.
 *
 * @example
 * ```ts
 * const message = dataMessage('user', order, { metadata: capabilityMetadata(delegated, 'q3') });
 * ```
 */
export function capabilityMetadata(token: string | CapabilityToken, task: string): Record<string, string> {
  const text = typeof token === 'string' ? token : token?.serialize?.();
  if (typeof text !== 'string' || text === '') throw new TypeError('token must be a capability token or its wire form');
  if (typeof task !== 'string' || task === '') throw new TypeError('task must be a non-empty string');
  return { [CAPABILITY_METADATA_KEY]: text, [TASK_METADATA_KEY]: task };
}
