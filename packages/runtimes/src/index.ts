/**
 * The Node side of the cross-runtime tests and browser benchmarks: bundles the runtime side
 * (`runtime/`) for each runtime with esbuild, starts the runtimes, and knows the answers.
 *
 * @module
 */
export { bunBinary, denoBinary, workerdBinary } from './binaries.js';
export { ENTRIES, bundle, type Bundle, type BundleOptions, type Target } from './bundle.js';
export { openChromiumPage, type ChromiumPage } from './chromium.js';
export { expectedAnswers, loadVectors } from './expected.js';
export { AUDIENCE, makeRoundTrip, sampleCard, type RoundTrip } from './round-trip.js';
export { runCli, type CliRun } from './run-cli.js';
export { startWorkerd, type WorkerdServer } from './workerd.js';
export type * from './protocol.js';
