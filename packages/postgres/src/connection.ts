import type { ConnectionOptions } from 'node:tls';
import { AgentIdError, MalformedInputError, UnreachableError } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import pg from 'pg';

/**
 * Where the database is. Every member is optional: what is not given comes from the
 * standard libpq variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
 * `PGSSLMODE`), as `psql` would read them.
 */
export interface PostgresConnection {
  /** `postgres://user:password@host:port/database?sslmode=…` (or `postgresql://`). */
  url?: string;
  /** TLS options, passed to `node:tls` as given (`true`: TLS with the system's CAs). */
  ssl?: boolean | ConnectionOptions;
  /** Connections in the pool this object opens. Default 4. */
  max?: number;
  /** `application_name`, shown in `pg_stat_activity`. Default `agent-id`. */
  applicationName?: string;
  /** How long connecting may take before it counts as unreachable. Default 5,000 ms. */
  connectTimeoutMs?: number;
}

/** The PostgreSQL schema the tables live in; default `agent_id`. */
export const DEFAULT_SCHEMA = 'agent_id';

const SCHEMA = /^[a-z_][a-z0-9_]{0,47}$/;

/** A schema name as SQL may carry it: lower-case letters, digits and `_`, at most 48 characters. */
export function schemaOf(value: unknown): string {
  if (value === undefined) return DEFAULT_SCHEMA;
  if (typeof value !== 'string' || !SCHEMA.test(value)) throw new TypeError('schema must be 1 to 48 characters of a-z 0-9 _ (not starting with a digit)');
  return value;
}

/** Reads a connection given as a URL or as options; a caller's mistake in its shape is a TypeError. */
export function connectionOf(value: unknown): PostgresConnection {
  const c: PostgresConnection = typeof value === 'string' ? { url: value } : value === undefined ? {} : (value as PostgresConnection);
  if (!isRecord(c)) throw new TypeError('connection must be a postgres:// URL or a PostgresConnection object');
  if (c.url !== undefined) {
    if (typeof c.url !== 'string') throw new TypeError('connection url must be a string');
    if (!/^postgres(?:ql)?:\/\//.test(c.url) || c.url.length > 4096) {
      throw new MalformedInputError('a PostgreSQL connection must be a postgres:// or postgresql:// URL', { check: 'connection' });
    }
    try {
      new URL(c.url);
    } catch {
      throw new MalformedInputError('the PostgreSQL connection URL does not parse', { check: 'connection' });
    }
  }
  if (c.ssl !== undefined && typeof c.ssl !== 'boolean' && !isRecord(c.ssl)) throw new TypeError('ssl must be a boolean or node:tls options');
  for (const name of ['max', 'connectTimeoutMs'] as const) {
    const n = c[name];
    if (n !== undefined && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)) throw new TypeError(`${name} must be a positive integer`);
  }
  if (c.applicationName !== undefined && (typeof c.applicationName !== 'string' || c.applicationName.length > 63)) {
    throw new TypeError('applicationName must be a string of at most 63 characters');
  }
  return c;
}

/** The pg client configuration for a connection. */
export function clientConfig(c: PostgresConnection, applicationName = 'agent-id'): pg.ClientConfig {
  return {
    ...(c.url !== undefined ? { connectionString: c.url } : {}),
    ...(c.ssl !== undefined ? { ssl: c.ssl } : {}),
    application_name: c.applicationName ?? applicationName,
    connectionTimeoutMillis: c.connectTimeoutMs ?? 5000,
  };
}

/** A pool for a connection; its idle-client errors are absorbed (the next query reports them). */
export function poolOf(c: PostgresConnection, applicationName?: string): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(c, applicationName), max: c.max ?? 4 });
  pool.on('error', () => {});
  return pool;
}

/** Where a connection goes, for messages: host, port and database, never the user or password. */
export function describe(c: PostgresConnection): string {
  let host = process.env.PGHOST ?? 'localhost';
  let port = process.env.PGPORT ?? '5432';
  let database = process.env.PGDATABASE ?? process.env.PGUSER ?? '';
  if (c.url !== undefined) {
    try {
      const u = new URL(c.url);
      host = u.hostname || (u.searchParams.get('host') ?? host);
      port = u.port || port;
      database = decodeURIComponent(u.pathname.slice(1)) || database;
    } catch {
      // connectionOf refused it already.
    }
  }
  return `${host}:${port}/${database}`.slice(0, 200);
}

const CONNECTION_CLASSES = ['08', '28', '53', '57P'];

/**
 * A failure talking to the database as the project's coded error: the database unreachable,
 * refusing the login or shutting down is `unreachable` (check `postgres`); tables missing is
 * `unreachable` (check `postgres_schema`), with what to run. Coded errors pass through.
 */
export function databaseError(error: unknown, c: PostgresConnection, what: string): Error {
  if (error instanceof AgentIdError || error instanceof TypeError) return error;
  const code = isRecord(error) && typeof error.code === 'string' ? error.code : '';
  const message = error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300);
  if (code === '42P01' || code === '3F000') {
    return new UnreachableError(`${what}: PostgreSQL at ${describe(c)} has no agent-id tables in this schema: run \`agent-id db migrate\` (${message})`, {
      check: 'postgres_schema',
      cause: error,
    });
  }
  if (!/^[0-9A-Z]{5}$/.test(code) || CONNECTION_CLASSES.some((p) => code.startsWith(p))) {
    return new UnreachableError(`${what}: PostgreSQL at ${describe(c)}: ${message}`, { check: 'postgres', cause: error });
  }
  return new UnreachableError(`${what}: PostgreSQL at ${describe(c)} refused (${code}): ${message}`, { check: 'postgres_query', cause: error });
}

/** Opens one client, mapping a failure to connect to `unreachable`. */
export async function connectClient(c: PostgresConnection, what: string, applicationName?: string): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(c, applicationName));
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw databaseError(error, c, what);
  }
  return client;
}

/** Double-quotes an identifier that {@link schemaOf} (or the like) has already checked. */
export function quoted(identifier: string): string {
  return `"${identifier}"`;
}
