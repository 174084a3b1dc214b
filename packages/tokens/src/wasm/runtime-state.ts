/**
 * The Biscuit runtime's settings and figures, and the public calls that read and set them.
 * Kept apart from `runtime.ts` so the package's public declarations never load
 * biscuit-wasm's own, which do not compile under `skipLibCheck: false` (it declares
 * `AuthorizerBuilder` twice).
 *
 * @module wasm/runtime-state
 */

/** Memory and recycling figures of the Biscuit WebAssembly runtime. */
export interface BiscuitRuntimeStats {
  /** Recycle threshold for the module's linear memory, in bytes. */
  thresholdBytes: number;
  /** Current size of the live instance's linear memory (0 before the first call). */
  memoryBytes: number;
  /** Largest linear memory any instance reached. */
  peakMemoryBytes: number;
  /** Instances created so far. */
  instances: number;
  /** Instances replaced because memory passed the threshold or the module trapped. */
  recycles: number;
  /** Calls that trapped inside the module. */
  traps: number;
}

/** Options of {@link configureBiscuitRuntime}. */
export interface BiscuitRuntimeOptions {
  /**
   * Replace the instance between calls once its linear memory exceeds this. Default 16 MiB:
   * per-call time grows with linear memory, and a swap costs about one call.
   */
  memoryThresholdBytes?: number;
}

const DEFAULT_THRESHOLD = 16 * 1024 * 1024;

/** Counters the instance manager (`runtime.ts`) updates. */
export const state = {
  threshold: DEFAULT_THRESHOLD,
  peak: 0,
  instances: 0,
  recycles: 0,
  traps: 0,
  generation: 0,
  /** Whether `runtime.ts` (and so biscuit-wasm's loader) has been imported at all. */
  imported: false,
};

/** The live instance's linear memory size; `runtime.ts` installs the probe. */
export const liveMemory: { bytes: () => number } = { bytes: () => 0 };

/**
 * Sets the memory threshold above which the Biscuit runtime replaces its WebAssembly
 * instance (between calls). Returns the new {@link biscuitRuntimeStats}.
 *
 * @example
 * ```ts
 * configureBiscuitRuntime({ memoryThresholdBytes: 32 * 1024 * 1024 });
 * ```
 */
export function configureBiscuitRuntime(options: BiscuitRuntimeOptions): BiscuitRuntimeStats {
  const t = options.memoryThresholdBytes;
  if (t !== undefined) {
    if (!Number.isSafeInteger(t) || t < 4 * 1024 * 1024) throw new TypeError('memoryThresholdBytes must be an integer of at least 4 MiB');
    state.threshold = t;
  }
  return biscuitRuntimeStats();
}

/**
 * Memory and recycling figures of the Biscuit runtime, for metrics.
 *
 * @example
 * ```ts
 * const { recycles, memoryBytes, thresholdBytes } = biscuitRuntimeStats();
 * ```
 */
export function biscuitRuntimeStats(): BiscuitRuntimeStats {
  return {
    thresholdBytes: state.threshold,
    memoryBytes: liveMemory.bytes(),
    peakMemoryBytes: state.peak,
    instances: state.instances,
    recycles: state.recycles,
    traps: state.traps,
  };
}
