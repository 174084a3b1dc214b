import { randomUUID } from 'node:crypto';
import { type Message, type Part, Role } from '@a2a-js/sdk';

/**
 * Carrying a capability token with an A2A message. The token travels in the message's
 * `metadata` under {@link CAPABILITY_METADATA_KEY}, next to the task it is for; the work
 * itself is a JSON data part. The receiver still has to prove control of the delegate
 * DID wherever it uses the token, so a message read in transit gives nothing away.
 */
export const CAPABILITY_METADATA_KEY = 'agent-id/capability';
/** Metadata key of the task id the capability is for. */
export const TASK_METADATA_KEY = 'agent-id/task';

/** Builds an A2A message whose single part is JSON data. */
export function dataMessage(
  role: 'user' | 'agent',
  data: unknown,
  options: { metadata?: Record<string, unknown>; contextId?: string; taskId?: string } = {},
): Message {
  const part: Part = { content: { $case: 'data', value: data }, metadata: undefined, filename: '', mediaType: 'application/json' };
  return {
    messageId: randomUUID(),
    contextId: options.contextId ?? '',
    taskId: options.taskId ?? '',
    role: role === 'user' ? Role.ROLE_USER : Role.ROLE_AGENT,
    parts: [part],
    metadata: options.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** The first JSON data part of a message, or undefined. */
export function dataOf(message: Message): unknown {
  for (const part of message.parts) {
    if (part.content?.$case === 'data') return part.content.value as unknown;
  }
  return undefined;
}

/** Metadata carrying a serialized capability token for a task. */
export function capabilityMetadata(token: string, task: string): Record<string, string> {
  return { [CAPABILITY_METADATA_KEY]: token, [TASK_METADATA_KEY]: task };
}

/** The capability token and task a message carries, if any (unverified: a string only). */
export function capabilityOf(message: Message, maxLength = 16_384): { token: string; task: string } | undefined {
  const meta = message.metadata;
  if (!meta) return undefined;
  const token: unknown = meta[CAPABILITY_METADATA_KEY];
  const task: unknown = meta[TASK_METADATA_KEY];
  if (typeof token !== 'string' || typeof task !== 'string' || token.length > maxLength) return undefined;
  return { token, task };
}

/** Whether an A2A send result is a Message (rather than a Task). */
export function isMessage(result: unknown): result is Message {
  return typeof result === 'object' && result !== null && 'messageId' in result && 'parts' in result;
}
