/**
 * Which runs `glidepath audit <ref>` reads, found through Temporal visibility, every run in retention:
 *   service/environment, deploy:<service>/<environment>   every run of that deployment's workflow ID
 *   release:<system>                                      every release of the system, each with the deployments it ran
 *   <system>@<version>                                    the release of that version and its deployments (DeployReleaseId)
 *   any other workflow ID                                  every run with that ID (e.g. freezes:<task queue>)
 */
import type { Client } from '@temporalio/client';
import { UsageError } from './usage-error';
import { resolveDeploymentId } from './client';

export interface AuditScope {
  /** The visibility query that lists the runs. */
  query: string;
  /** Read the deployments each listed run started (a release's targets) too. */
  withChildren: boolean;
}

export function auditScope(ref: string, since?: Date): AuditScope {
  // The reference goes into a visibility query between double quotes: nothing may end the string early.
  if (!ref || /["\\\p{Cc}]/u.test(ref))
    throw new UsageError(
      `<deployment> "${ref}": not a workflow ID; give service/environment, deploy:<service>/<environment>, ` +
        `release:<system> or <system>@<version>`,
    );
  const id = resolveDeploymentId(ref);
  const base = /^[a-z0-9][-a-z0-9]*@[^\s@]+$/.test(id) ? `DeployReleaseId = "${id}"` : `WorkflowId = "${id}"`;
  const recent = since ? ` AND (ExecutionStatus = "Running" OR CloseTime >= "${since.toISOString()}")` : '';
  return { query: `${base}${recent}`, withChildren: id.startsWith('release:') };
}

export interface ListedRun {
  workflowId: string;
  runId: string;
  startTime: Date;
}

/** The runs of the scope, oldest first (only their IDs are held, however many there are). */
export async function listRuns(client: Client, scope: AuditScope): Promise<ListedRun[]> {
  const runs: ListedRun[] = [];
  for await (const run of client.workflow.list({ query: scope.query, pageSize: 1000 })) {
    runs.push({ workflowId: run.workflowId, runId: run.runId, startTime: run.startTime });
  }
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime() || a.workflowId.localeCompare(b.workflowId));
}

/** `7d`, `12h`, `30m`, or an ISO 8601 date or time. */
export function parseSince(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)(s|m|h|d|w)$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now - Number(relative[1]) * unit);
  }
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at))
    throw new UsageError(`--since "${value}": not a duration or a time; use e.g. --since 7d, --since 12h or --since 2026-11-01T00:00:00Z`);
  return new Date(at);
}
