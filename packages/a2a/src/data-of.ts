import type { Message } from '@a2a-js/sdk';

/**
 * The first JSON data part of a message, or undefined.
 *
 * @example
 * ```ts
 * const order = dataOf(requestContext.userMessage);
 * ```
 */
export function dataOf(message: Message): unknown {
  if (!Array.isArray(message?.parts)) return undefined;
  for (const part of message.parts) {
    if (part?.content?.$case === 'data') return part.content.value as unknown;
  }
  return undefined;
}
