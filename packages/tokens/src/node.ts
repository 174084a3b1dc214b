/**
 * The parts of @agent-id/tokens that need Node: the revocation store in a file. Everything
 * else (mint, attenuate, authorize, inspect, the memory store, the resource guard) is in
 * `@agent-id/tokens`, which runs on any runtime.
 *
 * @module node
 */
export { FileRevocationStore } from './revocation-file.js';
