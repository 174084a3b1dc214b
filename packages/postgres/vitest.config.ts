import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({ testTimeout: 60_000, hookTimeout: 60_000, globalSetup: ['test/global-setup.ts'] });
