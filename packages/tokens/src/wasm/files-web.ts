/**
 * Where biscuit-wasm's files are and how they are read off Node (`#wasm-files` under every
 * condition but `node`): resolved with `import.meta.resolve` (Deno, Bun, browsers with an
 * import map) and read with `fetch`. A runtime that can do neither (a bundle without the
 * package's files, workerd) gets `internal_error` (check `wasm_load`) the first time
 * biscuit-wasm is needed.
 *
 * @module wasm/files-web
 */
import { InternalError } from '@agent-id/core';

const CANNOT = 'biscuit-wasm cannot be loaded on this runtime (resolve and fetch its files)';

/** The URL of the directory holding biscuit-wasm's `biscuit_bg.js` and `biscuit_bg.wasm`. */
export function moduleDirectory(): URL {
  const meta = import.meta as ImportMeta & { resolve?: (specifier: string) => string };
  try {
    if (typeof meta.resolve === 'function') return new URL('./', meta.resolve('@biscuit-auth/biscuit-wasm'));
  } catch (cause) {
    throw new InternalError(CANNOT, { check: 'wasm_load', cause });
  }
  throw new InternalError(CANNOT, { check: 'wasm_load' });
}

async function read(url: URL): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new InternalError(CANNOT, { check: 'wasm_load', cause });
  }
  if (!response.ok) throw new InternalError(`${CANNOT}: ${url.pathname.split('/').pop()} answered ${response.status}`, { check: 'wasm_load' });
  return response;
}

export async function readBytes(url: URL): Promise<Uint8Array> {
  return new Uint8Array(await (await read(url)).arrayBuffer());
}

export async function readText(url: URL): Promise<string> {
  return (await read(url)).text();
}
