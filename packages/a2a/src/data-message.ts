import { type Message, type Part, Role } from '@a2a-js/sdk';

/** Options of {@link dataMessage}. */
export interface DataMessageOptions {
  metadata?: Record<string, unknown>;
  contextId?: string;
  taskId?: string;
}

/**
 * An A2A message (the SDK's v1.0 form) whose single part is JSON data
 * (`application/json`), with a fresh `messageId`.
 *
 * @example
 * ```ts
 * const message = dataMessage('user', { task: 'q3', ask: 'summarise' }, { metadata: capabilityMetadata(token, 'q3') });
 * ```
 */
export function dataMessage(role: 'user' | 'agent', data: unknown, options: DataMessageOptions = {}): Message {
  const part: Part = { content: { $case: 'data', value: data }, metadata: undefined, filename: '', mediaType: 'application/json' };
  return {
    messageId: crypto.randomUUID(),
    contextId: options.contextId ?? '',
    taskId: options.taskId ?? '',
    role: role === 'user' ? Role.ROLE_USER : Role.ROLE_AGENT,
    parts: [part],
    metadata: options.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}
