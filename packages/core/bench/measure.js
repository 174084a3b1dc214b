// @ts-check
/**
 * Tiny, dependency-free timing helper shared by the agent-id benchmarks.
 *
 * Import it by relative path from any package's bench script:
 *
 * ```js
 * import { measure, printTable } from '../../core/bench/measure.js';
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
 * away. Synchronous functions only.
 */

/**
 * @typedef {object} MeasureOptions
 * @property {number} [batches] Timed batches (default 7; odd keeps the median a real batch).
 * @property {number} [iterations] Calls per batch (default 1000).
 * @property {number} [warmup] Warm-up calls before timing (default: max(20, iterations)).
 */

/**
 * @typedef {object} Row
 * @property {string} name
 * @property {number} medianUs Median over batches of µs per call.
 * @property {number} minUs Fastest batch, µs per call.
 * @property {number} maxUs Slowest batch, µs per call.
 * @property {number} batches
 * @property {number} iterations
 */

/** @type {unknown} */
let sink;

/**
 * Times `fn` and returns its row (see the module comment for the method).
 * @param {string} name Label printed in the table; also how {@link printTable} finds the baseline.
 * @param {() => unknown} fn The operation, called `batches * iterations` times (plus warm-up).
 * @param {MeasureOptions} [options]
 * @returns {Row}
 */
export function measure(name, fn, options = {}) {
  const batches = options.batches ?? 7;
  const iterations = options.iterations ?? 1000;
  const warmup = options.warmup ?? Math.max(20, iterations);
  for (let i = 0; i < warmup; i++) sink = fn();
  /** @type {number[]} */
  const perCall = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn();
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  perCall.sort((a, b) => a - b);
  const mid = perCall.length >> 1;
  const medianUs = perCall.length % 2 ? perCall[mid] : (perCall[mid - 1] + perCall[mid]) / 2;
  return { name, medianUs, minUs: perCall[0], maxUs: perCall[perCall.length - 1], batches, iterations };
}

/**
 * {@link measure} for operations that return a promise: each call is awaited before the
 * next, so the figure is the latency of one operation, not of many in flight.
 * @param {string} name
 * @param {() => Promise<unknown>} fn
 * @param {MeasureOptions} [options]
 * @returns {Promise<Row>}
 */
export async function measureAsync(name, fn, options = {}) {
  const batches = options.batches ?? 7;
  const iterations = options.iterations ?? 200;
  const warmup = options.warmup ?? Math.max(20, iterations);
  for (let i = 0; i < warmup; i++) sink = await fn();
  /** @type {number[]} */
  const perCall = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = await fn();
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  perCall.sort((a, b) => a - b);
  const mid = perCall.length >> 1;
  const medianUs = perCall.length % 2 ? perCall[mid] : (perCall[mid - 1] + perCall[mid]) / 2;
  return { name, medianUs, minUs: perCall[0], maxUs: perCall[perCall.length - 1], batches, iterations };
}

/**
 * Prints rows as an aligned table: median µs/op, min–max, and the ratio to the baseline
 * row (the row whose name is `baselineName`; ratios are omitted when it is absent).
 * @param {Row[]} rows
 * @param {string} [baselineName]
 * @param {(line: string) => void} [write] Defaults to console.log.
 */
export function printTable(rows, baselineName, write = console.log) {
  const base = rows.find((r) => r.name === baselineName);
  const fmt = (/** @type {number} */ us) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));
  const header = ['operation', 'µs/op (median)', 'min–max µs', '× baseline'];
  const body = rows.map((r) => [
    r.name,
    fmt(r.medianUs),
    `${fmt(r.minUs)}–${fmt(r.maxUs)}`,
    base ? `${(r.medianUs / base.medianUs).toFixed(2)}` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (/** @type {string[]} */ cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  write(line(header));
  write(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) write(line(row));
  if (base) write(`baseline: ${base.name} (${base.batches} batches × ${base.iterations} calls, median)`);
}

/** Keeps the sink observable so engines cannot drop the timed calls. */
export function _sink() {
  return sink;
}
