/**
 * How `glidepath audit` writes decisions, one run at a time as they are read (no cap, nothing held back):
 * - `table` (default): a header line per run, then one line per decision, for people;
 * - `json`: JSON Lines, one object per decision with the fields of `Decision` (`jq -s` makes an array);
 * - `csv`: RFC 4180: a header row, CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled.
 */
import type { Decision, RunAudit, RunRef } from './audit-decisions';

export const AUDIT_FORMATS = ['table', 'json', 'csv'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export const AUDIT_COLUMNS = ['time', 'workflowId', 'runId', 'action', 'by', 'reason', 'gate', 'rule', 'result', 'outcome'] as const;

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The text before the first run (the CSV header), if the format has one. */
export function auditPreamble(format: AuditFormat): string {
  return format === 'csv' ? `${AUDIT_COLUMNS.join(',')}\r\n` : '';
}

export function formatRun(format: AuditFormat, run: RunRef, audit: RunAudit, decisions: Decision[]): string {
  if (format === 'json') return decisions.map((d) => `${JSON.stringify(pick(d))}\n`).join('');
  if (format === 'csv') return decisions.map((d) => `${AUDIT_COLUMNS.map((c) => csvField(d[c])).join(',')}\r\n`).join('');
  const lines = [`${run.workflowId}  run ${run.runId}  → ${audit.outcome}`];
  for (const d of decisions) {
    const where = [d.gate && `gate ${d.gate}`, d.rule && `rule ${d.rule}`].filter(Boolean).join(', ');
    lines.push(
      `  ${d.time}  ${d.action.padEnd(9)} ${d.by.padEnd(16)} ${d.result}` +
        `${where ? `  [${where}]` : ''}${d.reason ? `  — ${oneLine(d.reason)}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The columns in their documented order. */
function pick(d: Decision): Decision {
  return Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, d[c]])) as unknown as Decision;
}

const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ');
