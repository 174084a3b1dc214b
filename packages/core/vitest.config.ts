import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({
  // Tests run the sources: `#platform` is the Node one (test/web-platform-keys.test.ts runs the web one).
  alias: { '#platform': fileURLToPath(new URL('./src/platform/node.ts', import.meta.url)) },
  isolated: ['test/web-platform-keys.test.ts'],
});
