/**
 * What people do to a whole release besides abort, approve and reject (runs with the `release-actions` patch):
 * - pause: nothing new starts — no target, wave, stage, nor a stage's confirmation (its targets' point of no
 *   return) — and every target still moving is paused: it holds at its next step boundary, traffic where it is.
 *   Targets that moved wait for their stage anyway. A gate's soak keeps counting (it measures time since the
 *   stage was promoted); an approval may still be answered; abort still rolls back.
 * - resume: the release goes on, and resumes every target its pause paused (a target a person also paused on
 *   its own is resumed too: pause it again to keep it).
 * - promote: skips the rest of the soak the release waits out at a gate (the gate's analysis and approval, if
 *   any, still apply), or goes on past an inconclusive gate analysis. It has no `full`: a release has no steps to skip.
 * They are updates: a refusal (already paused, nothing to promote) reaches the sender at once with the reason and
 * leaves no trace in history. Workflow code: deterministic.
 */
import { setHandler, workflowInfo } from '@temporalio/workflow';
import {
  type ActionInput,
  type Receipt,
  checkAction,
  checkPromote,
  checkedOrThrow,
  pauseSignal,
  promoteUpdate,
  resumeSignal,
} from './messages';
import { releaseDescriptions, releasePauseUpdate, releaseResumeUpdate } from './release-messages';
import type { ReleaseRun } from './release-run';

/** The patch of releases that take pause, resume and promote, and tell their targets who let their stage start. */
export const RELEASE_ACTIONS = 'release-actions';

export function listenToReleaseActions(run: ReleaseRun): void {
  setHandler(releasePauseUpdate, (input) => pause(run, input), {
    validator: (input) => validatePause(run, input),
    description: releaseDescriptions.pause,
  });
  setHandler(releaseResumeUpdate, (input) => resume(run, input), {
    validator: (input) => validateResume(run, input),
    description: releaseDescriptions.resume,
  });
  setHandler(promoteUpdate, (input) => promote(run, input), {
    validator: (input) => validatePromote(run, input),
    description: releaseDescriptions.promote,
  });
}

/** Pauses one target of the paused release (one started while the pause was being sent, too). */
export async function pauseTarget(run: ReleaseRun, workflowId: string): Promise<void> {
  const handle = run.handles.get(workflowId);
  if (!handle || !run.pausedBy) return;
  run.pausedTargets.add(workflowId);
  const { by, reason } = run.pausedBy;
  await handle.signal(pauseSignal, { by, reason: `${releaseName(run)} paused${reason ? `: ${reason}` : ''}` }).catch(() => undefined);
}

/** Resumes the targets the release's pause paused; returns their workflow IDs. */
export async function resumePausedTargets(run: ReleaseRun, input: { by: string; reason: string }): Promise<string[]> {
  const ids = [...run.pausedTargets].filter((id) => ['running', 'held'].includes(run.target(id)?.state ?? ''));
  run.pausedTargets.clear();
  await Promise.all(
    ids.map((id) =>
      run.handles
        .get(id)!
        .signal(resumeSignal, input)
        .catch(() => undefined),
    ),
  );
  return ids;
}

function releaseName(run: ReleaseRun): string {
  return `${run.release.metadata.system}@${run.release.metadata.version}`;
}

function ended(run: ReleaseRun): string {
  return run.status.outcome ? `the release ended ${run.status.outcome.result}` : 'the release rolls back';
}

/** Update validators: synchronous; throwing refuses the update without a trace in history. */
function validatePause(run: ReleaseRun, input: unknown): void {
  checkedOrThrow(checkAction(input));
  if (run.finished) throw new Error(`nothing to pause: ${ended(run)}`);
  const p = run.pausedBy;
  if (p) throw new Error(`already paused by ${p.by} at ${p.at}${p.reason ? `: ${p.reason}` : ''}`);
}

function validateResume(run: ReleaseRun, input: unknown): void {
  checkedOrThrow(checkAction(input));
  if (run.finished) throw new Error(`nothing to resume: ${ended(run)}`);
  if (!run.pausedBy) throw new Error(`not paused (phase: ${run.status.phase})`);
}

function validatePromote(run: ReleaseRun, input: unknown): void {
  const p = checkedOrThrow(checkPromote(input));
  if (p.full)
    throw new Error(
      'full: a release has no steps to skip; promote without full skips the soak before the next stage, and ' +
        'promote --full acts on one target (deploy:<service>/<environment>)',
    );
  if (run.finished) throw new Error(`nothing to promote: ${ended(run)}`);
  if (run.soaking) return;
  const gate = run.status.gate;
  if (gate?.kind === 'inconclusive-analysis') return;
  if (gate) throw new Error(`nothing to promote: the release waits for approval "${gate.name}"; answer it with approve`);
  if (run.status.phase === 'Analyzing')
    throw new Error(
      `nothing to promote: the gate's analysis measures ${run.status.stage}; the next stage starts once it passed (nothing skips it)`,
    );
  throw new Error(
    `nothing to promote: the release is not soaking at a gate (phase: ${run.status.phase}); a target waiting for ` +
      `promotion is promoted on its own (glidepath promote deploy:<service>/<environment>)`,
  );
}

async function pause(run: ReleaseRun, input: ActionInput): Promise<Receipt> {
  const a = checkedOrThrow(checkAction(input));
  const record = run.record('pause', a);
  run.pause(record, `paused by ${a.by}${a.reason ? `: ${a.reason}` : ''}: nothing new starts; resume to continue`);
  const moving = [...run.handles.keys()].filter((id) => run.target(id)?.state === 'running');
  await Promise.all(moving.map((id) => pauseTarget(run, id)));
  return {
    accepted: `paused ${workflowInfo().workflowId}${moving.length ? `; paused ${moving.join(', ')}` : '; no target was moving'}`,
    at: record.at,
  };
}

async function resume(run: ReleaseRun, input: ActionInput): Promise<Receipt> {
  const a = checkedOrThrow(checkAction(input));
  const record = run.record('resume', a);
  run.resume();
  const resumed = await resumePausedTargets(run, { by: a.by, reason: `${releaseName(run)} resumed${a.reason ? `: ${a.reason}` : ''}` });
  return {
    accepted: `resumed ${workflowInfo().workflowId}${resumed.length ? `; resumed ${resumed.join(', ')}` : ''}`,
    at: record.at,
  };
}

function promote(run: ReleaseRun, input: unknown): Receipt {
  const p = checkedOrThrow(checkPromote(input));
  const gate = run.status.gate;
  if (gate?.kind === 'inconclusive-analysis') {
    run.judgedBy = run.record('promote', p, gate.name);
    return { accepted: `promoted past inconclusive analysis "${gate.name}"`, at: run.judgedBy.at };
  }
  const stage = run.soaking;
  const record = run.record('promote', p, `soak ${stage ?? run.status.stage}`, stage ? undefined : 'too late: the soak had ended');
  if (stage) run.soakSkippedBy = record;
  return { accepted: stage ? `skipped the rest of the soak of ${stage}` : 'the soak had ended', at: record.at };
}
