import type { Message } from '@a2a-js/sdk';

/**
 * Whether an A2A send result is a Message (rather than a Task).
 *
 * @example
 * ```ts
 * const result = await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined });
 * if (isMessage(result)) console.log(dataOf(result));
 * ```
 */
export function isMessage(result: unknown): result is Message {
  return typeof result === 'object' && result !== null && 'messageId' in result && 'parts' in result;
}
