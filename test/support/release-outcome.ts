/**
 * Everything a finished Lambda release leaves behind, with the system's unique name taken out, so a run that
 * was interrupted (a worker killed, the server restarted) can be compared whole with one that was not: the
 * release's stages and targets, what its history did, the platform calls each child scheduled, and each alias
 * and its function's published versions.
 */
import { ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ReleaseStatus } from '../../workflows/release-status';
import { releaseTimeline } from './release-history';
import { type ReleaseFixture, aliasOf } from './releases';
import { activityLog } from './temporal';

export async function releaseOutcome(client: Client, handle: WorkflowHandle, f: ReleaseFixture, status: ReleaseStatus) {
  const plain = (s: string) => s.replaceAll(f.system, 'shop');
  const targets = status.stages.flatMap((s) => s.targets);
  const calls: Record<string, string[]> = {};
  for (const t of targets) calls[plain(t.workflowId)] = (await activityLog(client.workflow.getHandle(t.workflowId))).scheduled;
  const platform: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(f.fns)) {
    const versions = (await f.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: fn }))).Versions!.map((v) => v.Version);
    platform[name] = { alias: await aliasOf(f.lambda, fn), versions };
  }
  return {
    outcome: status.outcome?.result,
    stages: status.stages.map((s) => `${s.name}: ${s.state}`),
    targets: targets.map((t) => `${plain(t.workflowId)}: ${t.state} ${t.stableVersion} → ${t.candidateVersion}`),
    // Targets of one wave run side by side: what the release did, in any order.
    timeline: (await releaseTimeline(handle)).map(plain).sort(),
    calls,
    platform,
  };
}
