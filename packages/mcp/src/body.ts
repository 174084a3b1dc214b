import { readJsonBody as readBounded } from '@agent-id/http';
import { plainRefusal } from './serve.js';

/** Default largest MCP request body, bytes. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

export type BodyResult = { json: unknown } | ReturnType<typeof plainRefusal>;

/** A JSON-RPC body of at most `max` bytes (read with `@agent-id/http`'s bounded reader), as the answer to send when it is not one. */
export async function readJsonBody(chunks: AsyncIterable<Uint8Array>, declaredLength: string | null | undefined, max: number): Promise<BodyResult> {
  const read = await readBounded(chunks, declaredLength, { maxBytes: max, maxDepth: 64 });
  if (!read.ok) return plainRefusal(read.status, read.code, read.check, read.message);
  if (read.json === undefined) return plainRefusal(400, 'malformed_input', 'body', 'the request has no JSON-RPC body');
  return { json: read.json };
}
