/**
 * Starting a release: one per system at a time (the workflow ID `release:<system>` is the lock). A retried CI job
 * for the same version attaches to the running release; another version is refused (exit 3).
 */
import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { describeStages, expandRelease } from '../plan/release-expand';
import type { Release, StageGate } from '../plan/release-schema';
import type { releaseWorkflow } from '../workflows/release';
import { DeployPhase, DeployRelease, DeployReleaseId, DeploySystem } from '../workflows/search-attributes';
import { TASK_QUEUE } from '../connection/temporal';

export type ReleaseStartOutcome =
  | { kind: 'started' | 'attached'; handle: WorkflowHandle<typeof releaseWorkflow> }
  | { kind: 'conflict'; workflowId: string; runningVersion: string; phase: string };

/** What a stage's gate waits for, as the run's details list it: `soak 10m`, `approval by alice/bob`. */
const gateParts = (gate: StageGate) =>
  [gate.soak && `soak ${gate.soak}`, gate.approval && `approval by ${gate.approval.approvers?.join('/') ?? 'anyone'}`].filter(Boolean);

/** The release's workflow ID, its lock. */
export const releaseWorkflowId = (system: string) => `release:${system}`;

export async function startRelease(client: Client, release: Release, taskQueue = TASK_QUEUE): Promise<ReleaseStartOutcome> {
  const { system, version, commit, requestedBy } = release.metadata;
  const workflowId = releaseWorkflowId(system);
  const { stages } = expandRelease(release);
  try {
    const handle = await client.workflow.start<typeof releaseWorkflow>('releaseWorkflow', {
      taskQueue,
      workflowId,
      args: [release],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [
        { key: DeploySystem, value: system },
        { key: DeployRelease, value: version },
        { key: DeployReleaseId, value: `${system}@${version}` },
        { key: DeployPhase, value: 'Starting' },
      ],
      memo: { requestedBy: requestedBy ?? 'unknown' },
      staticSummary: `release ${system} @ ${version}: ${describeStages(stages)}`.slice(0, 200),
      staticDetails: [
        `**System:** ${system} · **Version:** ${version}${requestedBy ? ` · **Requested by:** ${requestedBy}` : ''}`,
        ...(commit ? [`**Commit:** ${commit.url ? `[${commit.sha}](${commit.url})` : commit.sha}`] : []),
        ...stages.map(
          (s) =>
            `**${s.name}** (${s.environment}, on failure: ${s.onFailure === 'halt' ? 'halt' : 'roll back every moved target'})` +
            `${s.migration ? `, migration of ${s.migration.component} first` : ''}: ` +
            s.waves.map((w, i) => `wave ${i + 1}: ${w.map((t) => `${t.name} → \`${t.workflowId}\``).join(', ')}`).join('; ') +
            (s.gate ? ` · then gate: ${gateParts(s.gate).join(', ')}` : ''),
        ),
      ].join('\n\n'),
    });
    return { kind: 'started', handle };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle = client.workflow.getHandle<typeof releaseWorkflow>(workflowId);
    const description = await handle.describe();
    const runningVersion = description.typedSearchAttributes.get(DeployRelease) ?? 'unknown';
    if (runningVersion === version) return { kind: 'attached', handle: client.workflow.getHandle(workflowId, description.runId) };
    return { kind: 'conflict', workflowId, runningVersion, phase: description.typedSearchAttributes.get(DeployPhase) ?? 'unknown' };
  }
}
