import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Only for regenerating the known-answer vectors (see README.md here); CI never uses it.
export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: { include: ['test/vectors/known-answer/regenerate.ts'], testTimeout: 60_000 },
});
