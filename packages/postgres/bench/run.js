// @ts-check
// Benchmarks for @agent-id/postgres (after a build): `pnpm bench`. Uses the server named by
// AGENT_ID_TEST_DATABASE_URL, or starts a throw-away one (as the tests do). ROUNDS (default
// 40) sets the number of revocations timed for propagation.
//
// 1. Propagation: from `revoke` returning to the first refusal in each of 8 verifier
//    processes (each authorizing the round's token in a loop): p50 and p99 (goal p99 ≤ 50 ms).
// 2. authorize throughput with PostgresRevocationStore against MemoryRevocationStore holding
//    the same 1,000 revocations, in one process (goal ≥ 0.95×).
// 3. Audit appends per second with checkpoints (every 100): one at a time and 64 in flight
//    (group commit), against the file log (AuditLog, fsync'd) with the same checkpoints.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { KeyPair, auditRecord } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { measureAsync, printTable } from '@agent-id/test-support/bench';
import { startPgServer } from '@agent-id/test-support/postgres';
import { MemoryRevocationStore, attenuate, authorize, mintCapability } from '@agent-id/tokens';
import { PostgresAuditSink, PostgresRevocationStore, migrate } from '../dist/index.js';

const AUD = 'did:web:files.example';
const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'bench' };
const org = KeyPair.generate();
const agent = () => {
  const keyPair = KeyPair.generate();
  return { keyPair, did: `did:key:${keyPair.publicKey.toMultibase()}` };
};
async function token() {
  const planner = agent();
  const writer = agent();
  const root = await mintCapability(
    { holder: planner.did, onBehalfOf: 'user:alice', task: 'bench', resources: ['files:/reports/*'], actions: ['read'], audience: [AUD], expiresAt: Math.floor(Date.now() / 1000) + 3600, maxDepth: 3 },
    { format: 'biscuit', rootKey: org },
  );
  const t = await attenuate(root, { to: writer.did, signer: planner.keyPair, trustedRoots: org.publicKey });
  return { wire: t.serialize(), writer: writer.did, planner: planner.did };
}
const percentile = (/** @type {number[]} */ xs, /** @type {number} */ p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

console.log(`@agent-id/postgres bench — Node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString()}`);
const given = process.env.AGENT_ID_TEST_DATABASE_URL;
const server = given ? undefined : await startPgServer();
const url = given ?? /** @type {NonNullable<typeof server>} */ (server).url;
const schema = `bench_${randomBytes(4).toString('hex')}`;
await migrate(url, { schema });

try {
  // 1. Propagation to 8 verifier processes.
  const rounds = Number(process.env.ROUNDS ?? 40);
  const script = fileURLToPath(new URL('./verifier.mjs', import.meta.url));
  const config = { url, schema, root: org.publicKey.toMultibase(), request };
  const children = Array.from({ length: Number(process.env.VERIFIERS ?? 8) }, () => fork(script, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
  /** Resolves with each child's message for this round that has `field`. @param {number} round @param {string} field @returns {Promise<any[]>} */
  const each = (round, field) =>
    Promise.all(
      children.map(
        (c) =>
          new Promise((resolve, reject) => {
            const listen = (/** @type {any} */ m) => {
              if (m.round !== round) return;
              if (m.other !== undefined) reject(new Error(`a verifier failed: ${m.other}`));
              if (m[field] === undefined) return;
              c.off('message', listen);
              resolve(m);
            };
            c.on('message', listen);
          }),
      ),
    );
  const writer = await PostgresRevocationStore.open(url, { schema, follow: false });
  /** @type {number[]} */
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t = await token();
    const allowing = each(r, 'allowing');
    const refused = each(r, 'refusedAt');
    for (const c of children) c.send({ round: r, wire: t.wire, presenter: t.writer });
    await allowing;
    await writer.revoke({ kind: 'agent', did: t.writer });
    const returned = performance.timeOrigin + performance.now();
    for (const m of await refused) samples.push(Math.max(0, m.refusedAt - returned));
  }
  await writer.close();
  await Promise.all(children.map((c) => new Promise((resolve) => (c.once('exit', resolve), c.send({ stop: true })))));
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  console.log(`\nrevocation propagation, revoke returned → first refusal, ${children.length} verifier processes, ${rounds} revocations (${samples.length} samples):`);
  console.log(`  p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms   (goal p99 ≤ 50 ms)`);

  // 2. authorize with the PostgreSQL store against the memory store, same revocations.
  const pgStore = await PostgresRevocationStore.open(url, { schema });
  const memory = new MemoryRevocationStore();
  for (let i = 0; i < 1000; i++) {
    const target = { kind: /** @type {const} */ ('principal'), id: `user:revoked-${i}` };
    await memory.revoke(target);
  }
  const filler = Array.from({ length: 1000 }, (_, i) => ({ kind: /** @type {const} */ ('principal'), id: `user:revoked-${i}` }));
  for (const target of filler) await pgStore.revoke(target);
  const live = await token();
  // One turn of the event loop per call, as a server gets between requests: a loop that never
  // yields starves the feed's heartbeat, and the store then rightly refuses as stale.
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const run = (/** @type {any} */ revocations) => async () => {
    await authorize(live.wire, { trustedRoots: org.publicKey, presenter: live.writer, request, revocations });
    await turn();
  };
  // Batch by batch in turn, so a machine that gets busier or quieter moves both alike.
  /** @type {import('@agent-id/test-support/bench').Row[]} */
  const memRows = [];
  /** @type {import('@agent-id/test-support/bench').Row[]} */
  const pgRows = [];
  for (let b = 0; b < 11; b++) {
    memRows.push(await measureAsync('authorize, MemoryRevocationStore (1,000 revocations)', run(memory), { batches: 1, iterations: 200, warmup: b === 0 ? 200 : 20 }));
    pgRows.push(await measureAsync('authorize, PostgresRevocationStore (1,000 revocations)', run(pgStore), { batches: 1, iterations: 200, warmup: b === 0 ? 200 : 20 }));
  }
  const median = (/** @type {import('@agent-id/test-support/bench').Row[]} */ rows) => {
    const us = rows.map((r) => r.medianUs).sort((a, b) => a - b);
    return { ...rows[0], medianUs: us[us.length >> 1], minUs: us[0], maxUs: us[us.length - 1], batches: rows.length };
  };
  const mem = median(memRows);
  const pgr = median(pgRows);
  await pgStore.close();
  console.log('\nauthorize throughput (Biscuit, 2 hops), one process:');
  printTable([mem, pgr], mem.name);
  console.log(`PostgreSQL store throughput / memory store throughput: ${(mem.medianUs / pgr.medianUs).toFixed(3)}×   (goal ≥ 0.95×)`);

  // 3. Audit appends per second with checkpoints.
  const key = KeyPair.generate();
  const record = (/** @type {number} */ i) =>
    auditRecord({ agent: live.writer, onBehalfOf: 'user:alice', task: 'bench', action: 'read', resource: `files:/reports/${i}.pdf`, decision: 'allow', reason: 'ok', chain: [] });
  const dir = await mkdtemp(join(tmpdir(), 'agent-id-bench-'));
  const file = await AuditLog.open(join(dir, 'audit.jsonl'), { checkpointKey: key, checkpointEvery: 100 });
  const sink = await PostgresAuditSink.open(url, { logId: 'bench', schema, checkpointKey: key, checkpointEvery: 100 });
  let n = 0;
  const aopts = { batches: 7, iterations: 200, warmup: 100 };
  const fileRow = await measureAsync('file AuditLog append (fsync), one at a time', () => file.append(record(n++)), aopts);
  const oneRow = await measureAsync('PostgresAuditSink append, one at a time', () => sink.append(record(n++)), aopts);
  const fileBatch = await measureAsync('file AuditLog, 64 appends in flight (per append)', () => Promise.all(Array.from({ length: 64 }, () => file.append(record(n++)))), { batches: 7, iterations: 10, warmup: 5 });
  const groupRow = await measureAsync('PostgresAuditSink, 64 appends in flight (per append)', () => Promise.all(Array.from({ length: 64 }, () => sink.append(record(n++)))), { batches: 7, iterations: 10, warmup: 5 });
  const per64 = (/** @type {any} */ row) => ({ ...row, medianUs: row.medianUs / 64, minUs: row.minUs / 64, maxUs: row.maxUs / 64 });
  await file.close();
  await sink.close();
  await rm(dir, { recursive: true, force: true });
  console.log('\naudit appends with signed checkpoints every 100:');
  const rows = [fileRow, oneRow, per64(fileBatch), per64(groupRow)];
  printTable(rows, fileRow.name);
  for (const r of rows) console.log(`  ${r.name}: ${Math.round(1e6 / r.medianUs)} appends/s`);
  console.log('(the test server runs with fsync=off; a production server with fsync pays its own commit cost)');
} finally {
  await server?.destroy();
}
