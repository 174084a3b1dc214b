/**
 * Test helpers shared by the agent-id packages' test suites (a private workspace package:
 * a devDependency only, never imported from a package's `src/`). The benchmark helper is the
 * `@agent-id/test-support/bench` subpath, which does not load vitest.
 *
 * @module
 */
export { type CodedError, type Refusal, expectCode } from './expect-code.js';
export { type Junk, junk, junkValues } from './junk.js';
