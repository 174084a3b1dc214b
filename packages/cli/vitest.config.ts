import { packageTestConfig } from '../../vitest.shared.ts';

// The tests mostly wait on the agent-id processes they start: two files at a time.
export default packageTestConfig({ testTimeout: 120_000, maxWorkers: 2 });
