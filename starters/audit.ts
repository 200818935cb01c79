/**
 * `glidepath audit <ref>`: every decision in the history of every run of a deployment, a release or any workflow,
 * in retention, written as it is read (see audit-runs.ts for what a reference names, audit-decisions.ts for what
 * counts as a decision, audit-format.ts for the formats).
 */
import { once } from 'node:events';
import type { Client } from '@temporalio/client';
import { auditRun, type RunRef } from './audit-decisions';
import { historyDecoder } from './audit-history';
import { AUDIT_FORMATS, type AuditFormat, auditPreamble, formatRun } from './audit-format';
import { auditScope, listRuns, parseSince } from './audit-runs';
import { UsageError } from './usage-error';

export interface AuditOptions {
  since?: string;
  format?: string;
}

export function checkFormat(format = 'table'): AuditFormat {
  if (!(AUDIT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format "${format}": not a format; use --format json (JSON Lines), --format csv, or leave it out for a table`);
  return format as AuditFormat;
}

/** Writes the decisions to `out`; returns how many runs were read. */
export async function audit(
  client: Client,
  ref: string,
  options: AuditOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const format = checkFormat(options.format);
  const since = parseSince(options.since);
  const scope = auditScope(ref, since);
  const runs = await listRuns(client, scope);
  const decode = historyDecoder(client.options.loadedDataConverter);
  const write = async (text: string) => {
    if (text && !out.write(text)) await once(out, 'drain');
  };
  const seen = new Set<string>();
  const read = async (run: RunRef) => {
    if (seen.has(run.runId)) return;
    seen.add(run.runId);
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const result = await auditRun(run, history.events ?? [], decode);
    const decisions = since ? result.decisions.filter((d) => Date.parse(d.time) >= since.getTime()) : result.decisions;
    if (decisions.length > 0 || !since) await write(formatRun(format, run, result, decisions));
    if (scope.withChildren) for (const child of result.children) await read(child);
  };
  await write(auditPreamble(format));
  for (const run of runs) await read(run);
  if (runs.length === 0) console.error(`no runs of ${ref} in retention${since ? ` since ${since.toISOString()}` : ''}`);
  return seen.size;
}
