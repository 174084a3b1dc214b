// One PostgreSQL server for the whole run: the one named by AGENT_ID_TEST_DATABASE_URL, or a
// throw-away server started here and stopped at teardown. Each test file uses its own schema.
import type { TestProject } from 'vitest/node';
import { startPgServer } from '@agent-id/test-support/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.AGENT_ID_TEST_DATABASE_URL;
  if (given) {
    project.provide('databaseUrl', given);
    return undefined;
  }
  const server = await startPgServer();
  project.provide('databaseUrl', server.url);
  return () => server.destroy();
}
