import { connectClient, connectionOf, databaseError, type PostgresConnection, quoted, schemaOf } from './connection.js';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The schema the tables go in (created if missing). Default `agent_id`. */
  schema?: string;
  /**
   * The role the verifiers and audit writers log in as. It is granted what they need and no
   * more: reading and adding revocations (and deleting them, for `prune`), reading and
   * appending audit rows, never updating or deleting them.
   */
  serviceRole?: string;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  schema: string;
  /** Versions applied by this call, oldest first (empty when the schema was up to date). */
  applied: number[];
  /** The schema's version now. */
  version: number;
}

const ROLE = /^[a-z_][a-z0-9_]{0,62}$/;

// Every statement names the schema through `s`, which schemaOf has checked.
const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.revocation_feed (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL);
    INSERT INTO ${s}.revocation_feed (id, seq) VALUES (true, 0);
    CREATE TABLE ${s}.revocations (
      seq bigint PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('token', 'agent', 'principal', 'agent_epoch', 'principal_epoch')),
      target text NOT NULL CHECK (length(target) BETWEEN 1 AND 2048),
      before_ms bigint,
      revoked_at_ms bigint NOT NULL,
      reason text CHECK (length(reason) <= 1024),
      expires_at_ms bigint,
      CHECK ((before_ms IS NOT NULL) = (kind LIKE '%_epoch'))
    );
    CREATE INDEX revocations_expiry ON ${s}.revocations (expires_at_ms) WHERE expires_at_ms IS NOT NULL;

    CREATE TABLE ${s}.audit_logs (log_id text PRIMARY KEY, header text NOT NULL);
    CREATE TABLE ${s}.audit_entries (
      log_id text NOT NULL REFERENCES ${s}.audit_logs (log_id),
      seq bigint NOT NULL,
      line text NOT NULL,
      PRIMARY KEY (log_id, seq)
    );
    CREATE TABLE ${s}.audit_checkpoints (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      log_id text NOT NULL REFERENCES ${s}.audit_logs (log_id),
      line text NOT NULL
    );
    CREATE INDEX audit_checkpoints_log ON ${s}.audit_checkpoints (log_id, id);

    CREATE FUNCTION ${s}.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'agent-id audit tables are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON ${s}.audit_logs FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_audit_change();
    CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON ${s}.audit_entries FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_audit_change();
    CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON ${s}.audit_checkpoints FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_audit_change();
    CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON ${s}.audit_logs FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_audit_change();
    CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON ${s}.audit_entries FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_audit_change();
    CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON ${s}.audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_audit_change();
  `,
];

/**
 * Creates or brings up to date the tables of the revocation store and the audit sink, in
 * one transaction (concurrent calls wait for each other). Safe to run again: applied
 * versions are recorded in `<schema>.schema_version`. Runs as a role that may create
 * tables (the owner); with `serviceRole` it also grants that role its rights.
 *
 * @example
 * ```ts
 * const { applied } = await migrate('postgres://admin@db.internal/agentid', { serviceRole: 'agent_id_service' });
 * ```
 */
export async function migrate(connection: string | PostgresConnection, options: MigrateOptions = {}): Promise<MigrateResult> {
  const c = connectionOf(connection);
  const schema = schemaOf(options.schema);
  const role = options.serviceRole;
  if (role !== undefined && (typeof role !== 'string' || !ROLE.test(role))) throw new TypeError('serviceRole must be 1 to 63 characters of a-z 0-9 _');
  const s = quoted(schema);
  const client = await connectClient(c, 'migrate');
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`agent-id migrate ${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${s}.schema_version`);
    const current = done.rows[0]?.v ?? 0;
    const applied: number[] = [];
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v - 1]!(s));
      await client.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [v]);
      applied.push(v);
    }
    if (role !== undefined) {
      const r = quoted(role);
      await client.query(`
        GRANT USAGE ON SCHEMA ${s} TO ${r};
        GRANT SELECT ON ${s}.schema_version TO ${r};
        GRANT SELECT, UPDATE ON ${s}.revocation_feed TO ${r};
        GRANT SELECT, INSERT, DELETE ON ${s}.revocations TO ${r};
        GRANT SELECT, INSERT ON ${s}.audit_logs, ${s}.audit_entries, ${s}.audit_checkpoints TO ${r};
        REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.audit_logs, ${s}.audit_entries, ${s}.audit_checkpoints FROM ${r};
      `);
    }
    await client.query('COMMIT');
    return { schema, applied, version: Math.max(current, MIGRATIONS.length) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw databaseError(error, c, 'migrate');
  } finally {
    await client.end().catch(() => {});
  }
}
