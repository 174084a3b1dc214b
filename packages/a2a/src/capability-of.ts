import { MalformedInputError } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { CAPABILITY_METADATA_KEY, TASK_METADATA_KEY } from './capability-metadata.js';

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
