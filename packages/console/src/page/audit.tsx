/** Audit timeline: a hash-chained audit log (file, drop, or the console server's /audit) verified in the page, its decisions on a timeline. */
import { type AuditEntry, type AuditLogReport, PublicKey, type AuditRecord, verifyAuditLinesReport } from '@agent-id/core';
import { isRecord, parseJson } from '@agent-id/core/internal';
import { publicKeyFromDidKey } from '@agent-id/did';
import { useMemo, useState } from 'preact/hooks';
import { Chain, displayHop } from './chain.js';
import { droppedFile, fetchLimited, readFileLimited } from './files.js';
import { type Failure, FailureView, Field, Shown, failureOf } from './text.js';

/** Largest log the page reads (its lines are parsed and hashed in memory). */
const MAX_LOG_BYTES = 16 * 1024 * 1024;
const MAX_SHOWN = 2000;

interface Row {
  seq: number;
  record: AuditRecord;
  /** Whether the hash chain up to this entry verified. */
  verified: boolean;
}

type Integrity = { state: 'intact'; report: AuditLogReport } | { state: 'broken'; failure: Failure; line: number | undefined };

/** Records of a log that did not verify, read for display only (each marked unverified). */
function readUnverified(text: string): Row[] {
  const rows: Row[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (i === 0 || line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (isRecord(value) && isRecord(value.record)) rows.push({ seq: typeof value.seq === 'number' ? value.seq : i - 1, record: value.record as unknown as AuditRecord, verified: false });
  }
  return rows;
}

function checkpointKeyOf(text: string): PublicKey | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (t.startsWith('did:key:')) return publicKeyFromDidKey(t);
  return PublicKey.fromJwk(parseJson(t, { maxBytes: 8192, maxDepth: 4, what: 'checkpoint key' }));
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

export function AuditTimeline(_: { active: boolean }) {
  const [log, setLog] = useState<string | undefined>();
  const [checkpoints, setCheckpoints] = useState<string | undefined>();
  const [key, setKey] = useState('');
  const [integrity, setIntegrity] = useState<Integrity | undefined>();
  const [rows, setRows] = useState<Row[]>([]);
  const [failure, setFailure] = useState<Failure | undefined>();
  const [filters, setFilters] = useState({ user: '', agent: '', task: '', decision: '' });
  const [open, setOpen] = useState<Row | undefined>();

  function verify(text: string, cps = checkpoints, keyText = key) {
    setFailure(undefined);
    setOpen(undefined);
    setLog(text);
    let checkpointKey: PublicKey | undefined;
    try {
      checkpointKey = checkpointKeyOf(keyText);
    } catch (e) {
      // A key that does not read says nothing about the log.
      setIntegrity(undefined);
      setRows([]);
      setFailure(failureOf(e));
      return;
    }
    try {
      const report = verifyAuditLinesReport(text, checkpointKey ? { checkpointKey, checkpoints: cps ?? null } : {});
      setIntegrity({ state: 'intact', report });
      setRows(report.entries.map((e: AuditEntry) => ({ seq: e.seq, record: e.record, verified: true })));
    } catch (e) {
      const f = failureOf(e);
      if (f.code === 'error') {
        setFailure(f);
        return;
      }
      const line = typeof (e as { line?: unknown }).line === 'number' ? (e as { line: number }).line : undefined;
      setIntegrity({ state: 'broken', failure: f, line });
      setRows(readUnverified(text));
    }
  }

  async function load(read: () => Promise<string>) {
    try {
      verify(await read());
    } catch (e) {
      setFailure(failureOf(e));
    }
  }

  const pick = (file: File | undefined) => {
    if (file) void load(() => readFileLimited(file, MAX_LOG_BYTES, 'audit log'));
  };

  const values = useMemo(() => {
    const set = (f: (r: AuditRecord) => unknown) => [...new Set(rows.map((r) => str(f(r.record))))].sort().slice(0, 500);
    return { user: set((r) => r.onBehalfOf), agent: set((r) => r.agent), task: set((r) => r.task) };
  }, [rows]);

  const shown = rows.filter(
    (r) =>
      (filters.user === '' || str(r.record.onBehalfOf) === filters.user) &&
      (filters.agent === '' || str(r.record.agent) === filters.agent) &&
      (filters.task === '' || str(r.record.task) === filters.task) &&
      (filters.decision === '' || r.record.decision === filters.decision),
  );
  const times = shown.map((r) => Date.parse(str(r.record.timestamp))).filter((t) => Number.isFinite(t));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number) => (t1 > t0 ? 10 + ((t - t0) / (t1 - t0)) * 980 : 500);

  const select = (name: keyof typeof filters, options: readonly string[], label: string) => (
    <label>
      {label}{' '}
      <select data-testid={`filter-${name}`} value={filters[name]} onChange={(e) => setFilters({ ...filters, [name]: e.currentTarget.value })}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o.length > 80 ? `${o.slice(0, 80)}…` : o}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section class="view" aria-labelledby="audit-title" data-testid="view-audit">
      <h2 id="audit-title">Audit timeline</h2>
      <div class="columns">
        <fieldset class="inputs" onDragOver={(e) => e.preventDefault()} onDrop={(e) => pick(droppedFile(e))}>
          <legend>Audit log to read</legend>
          <label for="audit-file">Audit log (JSON Lines; pick or drop a file)</label>
          <input id="audit-file" type="file" data-testid="audit-file" accept=".jsonl,.json,.log,text/plain" onChange={(e) => pick(e.currentTarget.files?.[0])} />
          <button type="button" data-testid="audit-fetch" onClick={() => load(() => fetchLimited('./audit', MAX_LOG_BYTES, 'audit log'))}>
            Load from this console's server
          </button>
          <label for="audit-checkpoints">Checkpoint file (optional)</label>
          <input
            id="audit-checkpoints"
            type="file"
            data-testid="audit-checkpoints"
            onChange={async (e) => {
              const f = e.currentTarget.files?.[0];
              if (f) setCheckpoints(await readFileLimited(f, MAX_LOG_BYTES, 'checkpoint file'));
            }}
          />
          <label for="audit-key">Checkpoint signer's key (did:key or public JWK)</label>
          <input id="audit-key" data-testid="audit-key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
          <button type="button" data-testid="audit-verify" disabled={log === undefined} onClick={() => log !== undefined && verify(log)}>
            Verify again
          </button>
        </fieldset>
        <div class="outputs">
          {failure ? <FailureView failure={failure} testid="audit-failure" /> : null}
          {integrity ? (
            <div class="verdict" data-testid="audit-integrity" data-state={integrity.state}>
              {integrity.state === 'intact' ? (
                <>
                  <strong class="ok">✔ hash chain intact</strong> — log <Shown text={integrity.report.logId} />, {integrity.report.entries.length} entries, head seq{' '}
                  {integrity.report.head.seq}
                  <div data-testid="audit-checkpoint" data-state={integrity.report.checkpoint ? 'verified' : 'none'}>
                    {integrity.report.checkpoint
                      ? `checkpoints: ${integrity.report.checkpoints} verified, newest at seq ${integrity.report.checkpoint.seq} (${integrity.report.checkpoint.time})`
                      : 'checkpoints: not checked (give the checkpoint file and its signer key)'}
                  </div>
                </>
              ) : (
                <>
                  <strong class="bad">✘ hash chain broken{integrity.line !== undefined ? ` at line ${integrity.line}` : ''}</strong>
                  <FailureView failure={integrity.failure} testid="audit-broken" />
                  <p class="notice">The records below are read from the file for display only: none of them is verified.</p>
                </>
              )}
            </div>
          ) : null}
          {rows.length > 0 ? (
            <>
              <div class="filters">
                {select('user', values.user, 'user')}
                {select('agent', values.agent, 'agent')}
                {select('task', values.task, 'task')}
                {select('decision', ['allow', 'deny'], 'decision')}
              </div>
              <svg class="timeline-strip" viewBox="0 0 1000 40" preserveAspectRatio="none" aria-hidden="true" data-testid="audit-strip">
                {shown.slice(0, MAX_SHOWN).map((r, i) => {
                  const t = Date.parse(str(r.record.timestamp));
                  return Number.isFinite(t) ? <circle key={i} cx={x(t)} cy={20} r={6} class={r.record.decision === 'allow' ? 'dot-allow' : 'dot-deny'} /> : null;
                })}
              </svg>
              <p class="muted" data-testid="audit-count">
                {shown.length} of {rows.length} records
              </p>
              <ol class="records">
                {shown.slice(0, MAX_SHOWN).map((r, i) => (
                  // Keyed by position: an unverified log may repeat a seq.
                  <li key={i} class="record" data-testid="audit-record" data-decision={str(r.record.decision)} data-verified={String(r.verified)}>
                    <div class="record-head">
                      <button type="button" class="link" data-testid="audit-open" onClick={() => setOpen(r)}>
                        #{r.seq} {str(r.record.timestamp)}
                      </button>
                      <strong class={r.record.decision === 'allow' ? 'ok' : 'bad'}>{r.record.decision === 'allow' ? 'allow' : 'deny'}</strong>
                      <Shown text={`${str(r.record.action)} ${str(r.record.resource)}`} max={160} />
                      {r.record.code ? <code>{str(r.record.code)}</code> : null}
                    </div>
                    <Field label="agent">
                      <Shown text={str(r.record.agent)} max={200} />
                    </Field>
                    <Field label="on behalf of">
                      <Shown text={str(r.record.onBehalfOf)} max={200} />
                    </Field>
                    <Field label="task">
                      <Shown text={str(r.record.task)} max={200} />
                    </Field>
                  </li>
                ))}
              </ol>
            </>
          ) : null}
          {open ? (
            <div data-testid="audit-chain-view">
              <h3>Chain of record #{open.seq}</h3>
              <Field label="reason">
                <Shown text={str(open.record.reason)} />
              </Field>
              <Chain
                testid="audit-chain"
                onBehalfOf={str(open.record.onBehalfOf)}
                issuer={displayHop(Array.isArray(open.record.chain) ? open.record.chain[0] : undefined).from}
                task={open.record.task === null ? null : str(open.record.task)}
                hops={Array.isArray(open.record.chain) ? open.record.chain.slice(0, 64).map(displayHop) : []}
                verified={open.verified ? undefined : false}
              />
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
}
