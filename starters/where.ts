/**
 * `glidepath where <service | system>`: what version is live on each environment and target, since when, who
 * promoted it and who asked for it, answered from Temporal visibility (the runs' search attributes and memos; no
 * side database), so from the runs within the namespace's retention. Who promoted is the `promotedBy` a run notes
 * in its memo as it ends promoted (workflows/deployment.ts): the approver of its last gate (a release's too) or the
 * person who promoted it, else "automatic"; runs that ended before runs noted it leave it unknown.
 */
import type { Client } from '@temporalio/client';
import {
  DeployEnvironment,
  DeployPhase,
  DeployRelease,
  DeployReleaseId,
  DeployService,
  DeployTarget,
} from '../workflows/search-attributes';
import { UsageError } from './usage-error';

export interface WhereRow {
  service: string;
  environment: string;
  target?: string;
  /** The version of the newest promoted run, if any. */
  live?: { version: string; since?: Date; by?: string; promotedBy?: string; releaseId?: string };
  /** A run in flight on this service/environment. */
  moving?: { version: string; phase: string };
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A name `where` can look up, or a UsageError (exit 2) that says what to type instead. */
export function checkWhereName(name: string): void {
  if (NAME.test(name)) return;
  // A run's ID or service/environment: where takes the service (or system); status takes the run.
  const bare = name.replace(/^(deploy|release):/, '').split('/')[0];
  const instead =
    bare !== name && NAME.test(bare)
      ? `for the ${name.startsWith('release:') ? 'system' : 'service'}: glidepath where ${bare}; for that run: glidepath status ${name}`
      : 'e.g. glidepath where shop-api';
  throw new UsageError(
    `where: "${name}" is not a service or system name (a plan's metadata.service or a release's metadata.system: ` +
      `lowercase letters, digits and '-'); ${instead}`,
  );
}

export async function where(client: Client, name: string): Promise<WhereRow[]> {
  checkWhereName(name);
  const query = `WorkflowType = "deploymentWorkflow" AND (DeployService = "${name}" OR DeploySystem = "${name}")`;
  const rows = new Map<string, WhereRow>();
  for await (const run of client.workflow.list({ query, pageSize: 100 })) {
    const sa = run.typedSearchAttributes;
    const service = sa.get(DeployService) ?? '?';
    const environment = sa.get(DeployEnvironment) ?? '?';
    const key = `${service}/${environment}`;
    const row = rows.get(key) ?? { service, environment, target: sa.get(DeployTarget) };
    rows.set(key, row);
    const version = sa.get(DeployRelease) ?? '?';
    if (run.status.name === 'RUNNING' && !row.moving) row.moving = { version, phase: sa.get(DeployPhase) ?? 'Running' };
    if (!row.live && run.status.name === 'COMPLETED' && sa.get(DeployPhase) === 'Promoted') {
      const memo = (run.memo ?? {}) as { requestedBy?: string; promotedBy?: string };
      row.live = { version, since: run.closeTime, by: memo.requestedBy, promotedBy: memo.promotedBy, releaseId: sa.get(DeployReleaseId) };
    }
  }
  return [...rows.values()].sort((a, b) => `${a.service}/${a.environment}`.localeCompare(`${b.service}/${b.environment}`));
}

export function formatWhere(rows: WhereRow[], name = 'that name'): string[] {
  if (rows.length === 0)
    return [
      `nothing deployed under ${name} within the namespace's retention: where reads Temporal visibility, which ` +
        `forgets runs closed longer ago than the retention period; check the name and TEMPORAL_NAMESPACE`,
    ];
  return rows.map((r) => {
    const live = r.live
      ? `${r.live.version.padEnd(12)} since ${r.live.since?.toISOString() ?? '?'} promoted ` +
        `by ${r.live.promotedBy ?? '?'} (requested by ${r.live.by ?? '?'}${r.live.releaseId ? `, release ${r.live.releaseId}` : ''})`
      : 'no promoted run on record'.padEnd(12);
    const moving = r.moving ? `  → ${r.moving.version} in progress (${r.moving.phase})` : '';
    return `${`${r.service}/${r.environment}`.padEnd(28)} ${live}${moving}  [${r.target ?? '?'}]`;
  });
}
