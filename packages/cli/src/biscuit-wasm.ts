/**
 * Process settings for the runs that load biscuit-wasm (`token inspect --root`,
 * `token authorize --datalog`); every other run leaves V8 alone.
 *
 * @module biscuit-wasm
 */

let set = false;

/**
 * Compiles WebAssembly with V8's baseline compiler only. A CLI process makes a handful of
 * Biscuit calls and exits; the optimizing tier would compile hot wasm functions in the
 * background, and the process then waits for those compilations at exit (about 250 ms
 * seen). Called before biscuit-wasm is compiled; `node:v8` is imported here, not at start,
 * because loading it costs about a third of `node -e 0`.
 */
export async function useBaselineWasmCompiler(): Promise<void> {
  if (set) return;
  set = true;
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--liftoff-only');
}
