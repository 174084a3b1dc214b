import type { ScenarioResult } from './scenario.js';

/**
 * The closing summary: each step's expected and actual outcome, then one verdict line. The
 * audit logs' lines are included only on request (`--quiet`): otherwise the trace has just
 * printed them in its audit section.
 */
export function formatSummary(result: ScenarioResult, options: { auditLogs: boolean }): string {
  const lines = ['', '== Steps (expected → actual)'];
  for (const s of result.steps) {
    const expected = s.expectedCode ? `${s.expected} (${s.expectedCode})` : s.expected;
    const actual = s.actualCode ? `${s.actual} (${s.actualCode})` : s.actual;
    lines.push(`  ${s.ok ? 'PASS' : 'FAIL'}  ${s.id.padEnd(22)} ${expected.padEnd(28)} → ${actual.padEnd(28)} ${s.shows}`);
  }
  if (options.auditLogs) {
    lines.push('', '== Audit logs');
    for (const a of result.audit) {
      lines.push(`  ${a.org.padEnd(7)} ${a.chainVerified ? 'hash chain verified' : `BROKEN: ${a.error}`}, ${a.entries.length} records  ${a.path}`);
    }
  }
  const failedSteps = result.steps.filter((s) => !s.ok).length;
  const brokenLogs = result.audit.filter((a) => !a.chainVerified).map((a) => a.org);
  const verdict = result.ok
    ? `OK: all ${result.steps.length} steps as expected, ${result.audit.length} audit chains verified (${result.durationMs} ms)`
    : `FAILED: ${failedSteps} step(s) not as expected${brokenLogs.length > 0 ? `; audit chain broken: ${brokenLogs.join(', ')}` : ''}`;
  lines.push('', verdict);
  return `${lines.join('\n')}\n`;
}
