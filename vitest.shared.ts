import { configDefaults, defineConfig } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

/** What a package's test configuration may add to the shared one. */
export interface PackageTestOptions {
  /**
   * Test files that need a module graph of their own: they mock a module (`vi.mock`) or
   * assert which modules were loaded. Every other file shares its worker's module graph.
   */
  isolated?: string[];
  testTimeout?: number;
  hookTimeout?: number;
  globalSetup?: string[];
  /**
   * Test files run at once (default: one fewer than the CPUs). For suites that mostly wait
   * on the child processes they start.
   */
  maxWorkers?: number;
  /** Module aliases (the Node build of a package's `imports` entries, for its sources). */
  alias?: Record<string, string>;
}

/**
 * The test configuration of every package: `test/**\/*.test.ts`, long hook timeouts (tests
 * start real servers), and test files that share their worker's modules (`isolate: false`):
 * importing the libraries, biscuit-wasm and the SDKs once per worker rather than once per
 * file halves the suite's time. The files a package lists as `isolated` run apart, each in a
 * fresh module graph.
 *
 * @example
 * ```ts
 * export default packageTestConfig({ isolated: ['test/web-platform.test.ts'] });
 * ```
 */
export function packageTestConfig(options: PackageTestOptions = {}): ViteUserConfig {
  const isolated = options.isolated ?? [];
  const include = ['test/**/*.test.ts'];
  return defineConfig({
    ...(options.alias ? { resolve: { alias: options.alias } } : {}),
    test: {
      // No `include` here: projects that extend this config would add theirs to it.
      // Timeouts only catch a hang: a loaded CI machine runs the suite two or three times slower.
      testTimeout: options.testTimeout ?? 120_000,
      hookTimeout: options.hookTimeout ?? 120_000,
      ...(options.globalSetup ? { globalSetup: options.globalSetup } : {}),
      ...(options.maxWorkers !== undefined ? { maxWorkers: options.maxWorkers } : {}),
      projects: [
        { extends: true, test: { name: 'shared', isolate: false, include, exclude: [...configDefaults.exclude, ...isolated] } },
        ...(isolated.length > 0 ? [{ extends: true, test: { name: 'isolated', isolate: true, include: isolated } }] : []),
      ],
    },
  });
}
