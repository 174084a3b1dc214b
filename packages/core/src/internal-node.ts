/**
 * Node-only plumbing the agent-id packages share (`@agent-id/core/internal/node`): the
 * append-only JSON Lines file. No stability promise, like `@agent-id/core/internal`.
 *
 * @module internal/node
 */
export { JsonLinesWriter } from './json-lines-writer.js';
