import { randomBytes } from 'node:crypto';
import { KeyPair } from '@agent-id/core';
import { mintCapability, attenuate, type CapabilityToken } from '@agent-id/tokens';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../src/index.js';

/** The test server's URL (see global-setup.ts). */
export const databaseUrl = (): string => inject('databaseUrl');

/** A new schema, migrated, for one test file (or one test). */
export async function freshSchema(url = databaseUrl(), options: { serviceRole?: string } = {}): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await migrate(url, { schema, ...options });
  return schema;
}

/** Runs SQL as the server's owner. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end();
  }
}

/** Polls until `condition` holds (no timed assertion: the test's timeout is the only bound). */
export async function until(condition: () => boolean | Promise<boolean>, everyMs = 10): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, everyMs));
}

export const AUDIENCE = 'did:web:files.example';
export const REQUEST = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUDIENCE, task: 'q3' };

/** An agent: a key pair and its did:key. */
function agent(): { keyPair: KeyPair; did: string } {
  const keyPair = KeyPair.generate();
  return { keyPair, did: `did:key:${keyPair.publicKey.toMultibase()}` };
}

/** An organisation, a planner and a writer, and a two-hop Biscuit token for the writer. */
export async function tokenFixture(options: { principal?: string; expiresIn?: number } = {}) {
  const org = KeyPair.generate();
  const planner = agent();
  const writer = agent();
  const root = await mintCapability(
    {
      holder: planner.did,
      onBehalfOf: options.principal ?? 'user:alice',
      task: 'q3',
      resources: ['files:/reports/*'],
      actions: ['read'],
      audience: [AUDIENCE],
      expiresAt: Math.floor(Date.now() / 1000) + (options.expiresIn ?? 3600),
      maxDepth: 3,
    },
    { format: 'biscuit', rootKey: org },
  );
  const token: CapabilityToken = await attenuate(root, { to: writer.did, signer: planner.keyPair, trustedRoots: org.publicKey });
  return { org, planner, writer, token, wire: token.serialize() };
}
