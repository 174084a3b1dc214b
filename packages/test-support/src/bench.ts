/**
 * Tiny, dependency-free timing helper shared by the agent-id benchmarks
 * (`@agent-id/test-support/bench`; it loads nothing but Node).
 *
 * ```js
 * import { measure, printTable } from '@agent-id/test-support/bench';
 * const rows = [
 *   measure('baseline: node:crypto verify', () => verify(null, msg, key, sig)),
 *   measure('ours', () => ours(msg), { batches: 7, iterations: 200 }),
 * ];
 * printTable(rows, 'baseline: node:crypto verify');
 * ```
 *
 * Method: a warm-up run (one batch's worth of calls, at least 20) lets the JIT settle, then
 * `batches` timed batches of `iterations` calls each; the reported figure is the median
 * batch's time per call, in microseconds, so one GC pause or scheduler hiccup does not
 * move it. `fn` may return a value; it is kept in a sink so the call cannot be optimised
 * away. {@link measure} times synchronous functions, {@link measureAsync} awaited ones.
 *
 * @module bench
 */

export interface MeasureOptions {
  /** Timed batches (default 7; odd keeps the median a real batch). */
  batches?: number;
  /** Calls per batch (default 1000 for {@link measure}, 200 for {@link measureAsync}). */
  iterations?: number;
  /** Warm-up calls before timing (default: max(20, iterations)). */
  warmup?: number;
}

export interface Row {
  name: string;
  /** Median over batches of µs per call. */
  medianUs: number;
  /** Fastest batch, µs per call. */
  minUs: number;
  /** Slowest batch, µs per call. */
  maxUs: number;
  batches: number;
  iterations: number;
}

let sink: unknown;

/**
 * The median of `values` (the mean of the middle two when their number is even); NaN when
 * there are none. `values` is left as it is.
 * @example
 * ```ts
 * median([3, 1, 2, 10]); // 2.5
 * ```
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function row(name: string, perCall: number[], batches: number, iterations: number): Row {
  perCall.sort((a, b) => a - b);
  return { name, medianUs: median(perCall), minUs: perCall[0]!, maxUs: perCall[perCall.length - 1]!, batches, iterations };
}

/**
 * Times `fn` and returns its row (see the module comment for the method).
 * @param name Label printed in the table; also how {@link printTable} finds the baseline.
 * @param fn The operation, called `batches * iterations` times (plus warm-up).
 */
export function measure(name: string, fn: () => unknown, options: MeasureOptions = {}): Row {
  const batches = options.batches ?? 7;
  const iterations = options.iterations ?? 1000;
  const warmup = options.warmup ?? Math.max(20, iterations);
  for (let i = 0; i < warmup; i++) sink = fn();
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn();
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  return row(name, perCall, batches, iterations);
}

/**
 * {@link measure} for operations that return a promise: each call is awaited before the
 * next, so the figure is the latency of one operation, not of many in flight.
 */
export async function measureAsync(name: string, fn: () => Promise<unknown>, options: MeasureOptions = {}): Promise<Row> {
  const batches = options.batches ?? 7;
  const iterations = options.iterations ?? 200;
  const warmup = options.warmup ?? Math.max(20, iterations);
  for (let i = 0; i < warmup; i++) sink = await fn();
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = await fn();
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  return row(name, perCall, batches, iterations);
}

/**
 * Prints rows as an aligned table: median µs/op, min–max, and the ratio to the baseline
 * row (the row whose name is `baselineName`; ratios are omitted when it is absent).
 * @param write Defaults to console.log.
 */
export function printTable(rows: readonly Row[], baselineName?: string, write: (line: string) => void = console.log): void {
  const base = rows.find((r) => r.name === baselineName);
  const fmt = (us: number) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));
  const header = ['operation', 'µs/op (median)', 'min–max µs', '× baseline'];
  const body = rows.map((r) => [r.name, fmt(r.medianUs), `${fmt(r.minUs)}–${fmt(r.maxUs)}`, base ? `${(r.medianUs / base.medianUs).toFixed(2)}` : '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  write(line(header));
  write(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const cells of body) write(line(cells));
  if (base) write(`baseline: ${base.name} (${base.batches} batches × ${base.iterations} calls, median)`);
}

/** Keeps the sink observable so engines cannot drop the timed calls. */
export function _sink(): unknown {
  return sink;
}

/** The `dist/index.js` modules of some packages, by package folder name. */
export type BuildModules = Record<string, Record<string, unknown>>;

/**
 * Two builds of the same packages, loaded into one process to be timed interleaved: this
 * checkout's (`packages`, its `packages` folder) and the one the `BASE` environment
 * variable names (another checkout's `packages` folder, built). Throws when `BASE` is unset.
 *
 * ```js
 * const { work, base } = await loadBuilds(new URL('../../', import.meta.url), ['core', 'tokens']);
 * ```
 */
export async function loadBuilds(packages: URL, names: readonly string[]): Promise<{ work: BuildModules; base: BuildModules }> {
  const other = process.env.BASE;
  if (!other) throw new Error('set BASE to the packages folder of a built checkout to compare with');
  const load = async (root: string): Promise<BuildModules> => {
    const modules: BuildModules = {};
    for (const name of names) modules[name] = (await import(`${root}/${name}/dist/index.js`)) as Record<string, unknown>;
    return modules;
  };
  return { work: await load(packages.pathname.replace(/\/$/, '')), base: await load(other) };
}
