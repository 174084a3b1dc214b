/**
 * Where biscuit-wasm's files are and how they are read, on Node (`#wasm-files` under the
 * `node` condition): the installed package's directory, read from disk.
 *
 * @module wasm/files-node
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InternalError } from '@agent-id/core';

/** The URL of the directory holding biscuit-wasm's `biscuit_bg.js` and `biscuit_bg.wasm`. */
export function moduleDirectory(): URL {
  const meta = import.meta as ImportMeta & { resolve?: (specifier: string) => string };
  try {
    if (typeof meta.resolve === 'function') return new URL('./', meta.resolve('@biscuit-auth/biscuit-wasm'));
  } catch {
    // Test runners may not implement import.meta.resolve: fall back to a node_modules walk.
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', '@biscuit-auth', 'biscuit-wasm', 'module');
    if (existsSync(join(candidate, 'biscuit_bg.js'))) return pathToFileURL(`${candidate}/`);
    const parent = dirname(dir);
    if (parent === dir) throw new InternalError('@biscuit-auth/biscuit-wasm is not installed', { check: 'wasm_load' });
    dir = parent;
  }
}

export async function readBytes(url: URL): Promise<Uint8Array> {
  return new Uint8Array(await readFile(url));
}

export async function readText(url: URL): Promise<string> {
  return readFile(url, 'utf8');
}
