import { AgentIdError } from '@agent-id/core';
import { parseJson } from '@agent-id/core/internal';
import { plainRefusal } from './serve.js';

/** Default largest MCP request body, bytes. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

export type BodyResult = { json: unknown } | ReturnType<typeof plainRefusal>;

/** Reads a JSON body of at most `max` bytes from chunks, stopping as soon as it is too large. */
export async function readJsonBody(chunks: AsyncIterable<Uint8Array>, declaredLength: string | null | undefined, max: number): Promise<BodyResult> {
  const tooLarge = () => plainRefusal(413, 'input_too_large', 'body', `the body is larger than ${max} bytes`);
  if (declaredLength != null && Number(declaredLength) > max) return tooLarge();
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > max) return tooLarge();
    parts.push(chunk);
  }
  if (size === 0) return plainRefusal(400, 'malformed_input', 'body', 'the request has no JSON-RPC body');
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return plainRefusal(400, 'malformed_input', 'body', 'the body is not UTF-8');
  }
  try {
    return { json: parseJson(text, { maxBytes: max, maxDepth: 64, what: 'the JSON-RPC body' }) };
  } catch (error) {
    if (error instanceof AgentIdError) return plainRefusal(error.code === 'input_too_large' ? 413 : 400, error.code, 'body', error.message);
    throw error;
  }
}
