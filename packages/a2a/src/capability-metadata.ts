import { MalformedInputError } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import type { CapabilityToken } from '@agent-id/tokens';

/**
 * Metadata key under which a message carries a capability token delegated to its receiver
 * (the token's wire form). The receiver accepts it only when the token's last hop names the
 * receiver and was made by the authenticated sender (see `verifyDelegation`).
 */
export const CAPABILITY_METADATA_KEY = 'agent-id/capability';
/** Metadata key of the task id the delegated capability is for. */
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

/** A delegated capability as a message states it: unverified strings. */
export interface CarriedCapability {
  token: string;
  task: string;
}

/**
 * The capability token and task a message's metadata carries (unverified), undefined when
 * it carries none. Metadata that names one without the other, or not as strings, or a
 * token longer than `maxTokenChars`, is `malformed_input` (check `capability_metadata`):
 * a half-stated delegation is refused, never ignored.
 *
 * @example
 * ```ts
 * const carried = capabilityOf(requestContext.userMessage);
 * ```
 */
export function capabilityOf(message: { metadata?: unknown }, maxTokenChars = 16_384): CarriedCapability | undefined {
  if (!isRecord(message)) throw new MalformedInputError('message is not an object', { check: 'capability_metadata' });
  const { metadata } = message;
  if (metadata === undefined || metadata === null) return undefined;
  if (!isRecord(metadata)) throw new MalformedInputError('message metadata is not an object', { check: 'capability_metadata' });
  const token = metadata[CAPABILITY_METADATA_KEY];
  const task = metadata[TASK_METADATA_KEY];
  if (token === undefined && task === undefined) return undefined;
  if (typeof token !== 'string' || token === '') throw new MalformedInputError(`message metadata "${CAPABILITY_METADATA_KEY}" is not a token string`, { check: 'capability_metadata' });
  if (token.length > maxTokenChars) throw new MalformedInputError(`the delegated token is longer than ${maxTokenChars} characters`, { check: 'capability_metadata' });
  if (typeof task !== 'string' || task === '' || task.length > 1024) throw new MalformedInputError(`message metadata "${TASK_METADATA_KEY}" is not a task id`, { check: 'capability_metadata' });
  return { token, task };
}
