/**
 * A release: one version of a system through its stages (environments) in order. Each stage runs its targets as
 * deployment workflows (children) in waves and confirms them together (release-stage.ts); between stages, the
 * gate holds the next one back: a soak since the stage was promoted, an analysis of it, an approval.
 *
 * Its workflow ID, `release:<system>`, is its lock: one release of a system at a time.
 * It ends promoted (every stage promoted) or fails with type:
 * - RolledBack: a stage failed or the release was aborted; that stage's moved targets switched back, earlier
 *   stages stay promoted;
 * - Halted: a stage with `onFailure: halt` failed; its moved targets were kept;
 * - Stopped: a gate was rejected, timed out or aborted, or its analysis failed, or the release was aborted while it
 *   confirmed a stage that has a next one; nothing of the next stage moved.
 * An abort once the last stage is being confirmed comes past the point of no return: the release ends promoted.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  patched,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Release } from '../plan/release-schema';
import { describeFailure } from './failures';
import { RELEASE_ACTIONS } from './release-actions';
import { RELEASE_GATE_ANALYSIS } from './release-gate-analysis';
import { checkedRelease } from './release-input';
import { RELEASE_NOTIFICATIONS, ReleaseNotifier } from './release-notify';
import { ReleaseRun } from './release-run';
import { RELEASE_STOPS_AT_ONCE, StageRun } from './release-stage';
import type { ReleaseStatus } from './release-status';
import { DeployPhase } from './search-attributes';

export interface ReleaseResult {
  outcome: 'promoted';
  status: ReleaseStatus;
}

export async function releaseWorkflow(input: Release): Promise<ReleaseResult> {
  // Decided in the first workflow task, before any activity: pause, resume and promote exist for this run.
  const actions = patched(RELEASE_ACTIONS);
  // Asked only of releases whose input has a gate analysis, so the histories of the others stay as they were.
  const gateAnalyses = hasGateAnalysis(input) && patched(RELEASE_GATE_ANALYSIS);
  // Decided before the check's activity too: a failed held target, an abort and a joint rollback act at once.
  const stopsAtOnce = patched(RELEASE_STOPS_AT_ONCE);
  // And whether it tells the policy's sinks about its own events (the sinks come with the check).
  const notifies = patched(RELEASE_NOTIFICATIONS);
  const { release, stages, notifications } = await checkedRelease(input);
  const run = new ReleaseRun(release, stages, actions, gateAnalyses, stopsAtOnce);
  run.listen();
  if (notifies && notifications) {
    run.notifier = new ReleaseNotifier(notifications, run);
    const by = release.metadata.requestedBy ? `, requested by ${release.metadata.requestedBy}` : '';
    run.notifier.send('started', `started: ${stages.map((s) => s.name).join(' → ')}${by}`);
  }

  for (const [i, stage] of stages.entries()) {
    try {
      // An abort while the stage before was confirmed (which it could not stop) stops the release here.
      if (stopsAtOnce) run.throwIfStopping();
      if (i > 0) await run.forward.run(() => run.gate(stages[i - 1], stage.name));
      if (run.pausedBy) await run.forward.run(() => run.holdWhilePaused()); // no stage starts while paused
      if (stopsAtOnce) run.throwIfStopping(); // a gate with nothing to wait for awaits nothing the abort cancels
    } catch (err) {
      await run.stopGateAnalysis();
      const reason = run.abortedBy
        ? `aborted by ${run.abortedBy.by}${run.abortedBy.reason ? `: ${run.abortedBy.reason}` : ''}`
        : describeFailure(err);
      if (!run.abortedBy && err instanceof ApplicationFailure && err.type === 'AnalysisFailed')
        run.notifier?.send('analysis-failed', `${err.message}; ${stage.name} does not start`, { reason: err.message }, stage.environment);
      const stopped = `before ${stage.name}: ${reason}; ${i > 0 ? `${stages[i - 1].name} stays promoted` : 'nothing moved'}`;
      return end(run, 'stopped', stopped, stage.environment);
    }
    const outcome = await new StageRun(run, stage).execute();
    if (outcome.result !== 'promoted') {
      for (const later of run.status.stages.slice(i + 1)) for (const t of later.targets) t.state = 'skipped';
      const kept = stages.slice(0, i).map((s) => s.name);
      return end(
        run,
        outcome.result,
        `${outcome.reason}${kept.length ? `; ${kept.join(', ')} stay${kept.length === 1 ? 's' : ''} promoted` : ''}`,
        stage.environment,
      );
    }
  }
  return end(run, 'promoted', `${run.release.metadata.version} is live on every stage`, stages[stages.length - 1].environment);
}

/** Read before the input is checked: it may be anything. */
function hasGateAnalysis(input: Release): boolean {
  const stages: unknown = (input as { stages?: unknown } | undefined)?.stages;
  return Array.isArray(stages) && stages.some((s) => s?.gate?.analysis !== undefined);
}

/** `environment`: of the stage the end concerns (the last one promoted, or the one that failed or did not start). */
async function end(
  run: ReleaseRun,
  result: NonNullable<ReleaseStatus['outcome']>['result'],
  reason: string,
  environment: string,
): Promise<ReleaseResult> {
  return CancellationScope.nonCancellable(async () => {
    const phase = ({ promoted: 'Promoted', 'rolled-back': 'RolledBack', halted: 'Halted', stopped: 'Stopped' } as const)[result];
    // Who stopped it, as an abort is: a Temporal cancel has no sender of its own.
    if (result !== 'promoted' && run.cancelled) run.record('cancel', { by: 'temporal', reason: 'cancel requested' });
    run.status.outcome = { result, reason };
    run.status.gate = undefined;
    run.status.endedAt = new Date().toISOString();
    run.setPhase(phase, reason);
    upsertSearchAttributes([{ key: DeployPhase, value: phase }]);
    const said = `${result === 'rolled-back' ? 'rolled back' : result}: ${reason}`;
    if (run.notifier) {
      if (result === 'promoted') run.notifier.send('promoted', said, { outcome: result }, environment);
      else run.notifier.send('rolled-back', said, { outcome: result, reason }, environment);
      await run.notifier.settle();
    }
    await condition(allHandlersFinished);
    if (result === 'promoted') return { outcome: 'promoted' as const, status: run.status };
    const type = ({ 'rolled-back': 'RolledBack', halted: 'Halted', stopped: 'Stopped' } as const)[result];
    // BENIGN: the release worked as designed; the run still closes as Failed, carrying its status.
    throw ApplicationFailure.create({
      message: said,
      type,
      nonRetryable: true,
      category: 'BENIGN',
      details: [run.status],
    });
  });
}
