import type { Glue } from './runtime.js';

/**
 * `withBiscuit` with biscuit-wasm's runtime imported on first use: minting, attenuating,
 * authorizing without `datalog` and inspecting without root keys never load it (nor its
 * file reads), so they start fast and run where the module cannot be instantiated.
 */
export async function withBiscuit<T>(fn: (glue: Glue) => T): Promise<T> {
  const runtime = await import('./runtime.js');
  return runtime.withBiscuit(fn);
}
