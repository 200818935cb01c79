/**
 * Replays recorded histories of every strategy and ending against today's workflow code: a change that would
 * break runs already in flight (non-determinism) fails here. Re-record after an intended, patched change with
 *   GLIDEPATH_RECORD_HISTORIES=1 npx vitest run test/lambda test/analysis/workflow.test.ts test/release
 * (or only the file whose test records the new history: the others would overwrite theirs)
 * Keep the histories of earlier versions beside the new ones (runs of every version may still be in flight): the
 * canary-*-lean-history files were recorded with the `lean-history` patch (workflows/lean-history.ts), the other
 * canary files before it; record under a new name rather than overwrite them.
 *
 * release-paused-resumed-promoted was recorded with the `release-actions` patch (a release paused, resumed and
 * promoted past its soak), canary-paused-by-release-promoted with `promoted-by-in-memo` (its target, paused by it).
 *
 * The *-current-runs files were recorded with the `runs-2026-11` patch (one marker for every change before it, the
 * policy read by a local activity: workflows/lean-history.ts), the *-runs-2026-11-29 files with the generation after
 * it (a step's weight upserted with the next phase change), the *-runs-2026-11-29b files with the one after that
 * (the deploy window the last gate), and canary-cancelled-before-plan-check-runs-2026-11-29c with the next one (a
 * run cancelled in its first task ends rolled back with its status in its memo).
 *
 * canary-cancelled-task-split-after-plan-check is canary-cancelled-policies-from-start with its first workflow task
 * split right after the plan check's local-activity marker, the shape a slow first task wrote in CI. On replay
 * a local activity resolves before the next task's patch markers are in view, so a `patched()` asked right after
 * it answered "absent" for a run that had the marker; runs now ask before the check (workflows/policy-run.ts).
 *
 * canary-policy-ssh-signed-approvals-promoted holds answers signed through `ssh-keygen -Y sign` (armored SSH
 * signatures, one through ssh-agent); canary-policy-signed-approvals-promoted the bare ed25519 form before them.
 *
 * canary-notifications-* are runs whose policy has notification sinks (test/policy/notifications.test.ts): the
 * `notifications` patch and a `notify` activity per event and sink. canary-notifications-after-run ended with every
 * delivery still being tried (its receivers down), a run of generation runs-2026-11-29b: the
 * `notifications-after-run` patch, asked after the final wait's timer, and a `notificationWorkflow` child per
 * delivery, abandoned; notification-after-run-delivered and -refused are two of those children (the receiver back
 * up, and back refusing it). canary-notifications-abandoned ended the same way before that patch (recorded by the
 * code before it): it abandoned them.
 *
 * release-notifications-* are releases with the `release-notifications` patch whose policy has sinks for them
 * (test/release/release-notifications.test.ts): a `notify` activity per event and sink, promoted after its gate's
 * approval, and stopped by a rejection at it.
 *
 * canary-frozen-unfrozen-promoted was held by an emergency freeze (the `freezes` signals of the freeze workflow)
 * across a worker kill, then unfrozen. canary-scheduled-freeze-in-soak-promoted has the
 * `soak-stops-at-scheduled-freeze` patch (its soak timer ends at the freeze's start); canary-waited-for-window-promoted
 * and canary-window-paused-resumed-promoted the `window-wait-pausable` patch.
 *
 * canary-approved-after-window-closed-promoted and canary-window-asked-again-after-plan-approval-promoted have the
 * `window-last-gate` patch (workflows/policy-run.ts): the window asked after the policy's approvals, and again before
 * the first traffic change once the opening passed has ended. canary-waited-for-window-promoted-runs-2026-11-29 and
 * canary-window-then-approvals-promoted-runs-2026-11-29 are runs of the current generation recorded before that patch
 * (the window asked first): a change of the window's gate guarded by `inForce` instead of its own patch fails them.
 *
 * release-gate-analysis-* are releases whose staging gate runs an analysis (test/release/release-gate-analysis.test.ts),
 * with the `release-gate-analysis` patch: passed (prod starts), failed (stopped before prod), aborted while it
 * measured (the release waits for its analysis child to stop), and inconclusive then promoted by a person.
 *
 * These release histories have the `release-stops-at-once` patch (workflows/release-stage.ts): aborted mid-prod
 * (test/release/lambda-release.test.ts); a held first-wave target aborted while the second wave ran, rolled back
 * and, with `onFailure: halt`, halted; aborted while staging was confirmed (stopped before prod) and while prod was
 * (too late, promoted) (test/release/release-stops.test.ts); a joint rollback with one target stuck
 * (test/workflow/release-rollback-stuck.test.ts). canary-held-by-release-aborted is the target aborted while held.
 *
 * *-reports-bounded and analysis-child-waits-on-timer have analysis children with the `analysis-reports-bounded`
 * patch (workflows/analysis.ts): reports to the deployment within a budget, the unreported measurements with the
 * result, and a timer while no measurement is due (canary-background-analysis-hourly-promoted is their parent). The
 * analysis-child-failed and canary-*analysis-failed files without the suffix signal every chunk, as before it.
 *
 * canary-rollback-stuck-backoff-rolled-back has the `stuck-retry-backoff` patch (workflows/rollback.ts): its undo step,
 * stuck for a day, was tried again after 10, 20, 40... minutes, then every 4 hours, before a person resumed it.
 *
 * freeze-workflow-frozen-unfrozen is the freeze workflow's own history (test/policy/freeze-broadcast.test.ts):
 * a freeze, two rebroadcasts half a minute apart while it held, an unfreeze. freeze-workflow-follow-up-frozen-unfrozen
 * has the `freeze-follow-up` patch: each change told once, then once more to the runs started shortly before it.
 *
 * canary-release-target-refused-by-freeze is a release's target that started while an emergency freeze covered it
 * and was refused (BlockedByPolicy), as targets were before the `release-target-holds-in-freeze` patch;
 * canary-release-target-frozen-at-start-promoted has that patch: it held in phase Frozen before any change and went
 * on when the freeze lifted (test/release/release-freeze.test.ts).
 *
 * canary-held-by-release-gate-reported-promoted has the `release-gate-reports` patch (workflows/release-hold.ts): a
 * prod target of a release that told its release when its approval opened and closed (`targetGate`);
 * release-target-gate-reported-promoted is that release (test/release/release-target-gates.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';

const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

it('has recorded histories for each strategy and ending', () => {
  expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(
    expect.arrayContaining([
      'canary-promoted',
      'canary-aborted-in-soak',
      'canary-rejected',
      'canary-cancelled',
      'blue-green-promoted',
      'migration-then-canary-rejected',
      'canary-analysis-failed',
      'analysis-child-failed',
      'canary-background-analysis-failed',
      'release-promoted',
      'release-second-wave-failed',
      'canary-held-by-release-promoted',
      'blue-green-held-by-release-promoted',
      'canary-held-by-release-rolled-back',
      'canary-policy-approvals-promoted',
      'canary-promoted-lean-history',
      'canary-aborted-in-soak-lean-history',
      'canary-rejected-lean-history',
      'canary-cancelled-lean-history',
      'canary-cancelled-policies-from-start',
      'canary-cancelled-task-split-after-plan-check',
      'canary-policy-signed-approvals-promoted',
      'canary-policy-ssh-signed-approvals-promoted',
      'release-paused-resumed-promoted',
      'canary-paused-by-release-promoted',
      'canary-notifications-promoted',
      'canary-promoted-current-runs',
      'canary-aborted-in-soak-current-runs',
      'canary-rejected-current-runs',
      'canary-cancelled-current-runs',
      'canary-paused-resumed-promoted-current-runs',
      'canary-policy-approvals-promoted-current-runs',
      'blue-green-promoted-current-runs',
      'migration-then-canary-rejected-current-runs',
      'canary-promoted-runs-2026-11-29',
      'canary-aborted-in-soak-runs-2026-11-29',
      'canary-rejected-runs-2026-11-29',
      'canary-cancelled-runs-2026-11-29',
      'canary-paused-resumed-promoted-runs-2026-11-29',
      'blue-green-promoted-runs-2026-11-29',
      'migration-then-canary-rejected-runs-2026-11-29',
      'canary-promoted-runs-2026-11-29b',
      'canary-aborted-in-soak-runs-2026-11-29b',
      'canary-rejected-runs-2026-11-29b',
      'canary-cancelled-runs-2026-11-29b',
      'canary-cancelled-before-plan-check-runs-2026-11-29c',
      'canary-notifications-rejected',
      'canary-frozen-unfrozen-promoted',
      'canary-scheduled-freeze-in-soak-promoted',
      'canary-waited-for-window-promoted',
      'canary-window-paused-resumed-promoted',
      'canary-waited-for-window-promoted-runs-2026-11-29',
      'canary-window-then-approvals-promoted-runs-2026-11-29',
      'canary-approved-after-window-closed-promoted',
      'canary-window-asked-again-after-plan-approval-promoted',
      'release-gate-analysis-passed',
      'release-gate-analysis-failed',
      'release-gate-analysis-aborted',
      'release-gate-analysis-inconclusive-promoted',
      'release-aborted-mid-prod',
      'release-held-target-aborted',
      'release-held-target-aborted-halted',
      'release-aborted-while-confirming',
      'release-aborted-too-late',
      'release-joint-rollback-stuck',
      'canary-held-by-release-aborted',
      'canary-analysis-failed-reports-bounded',
      'analysis-child-failed-reports-bounded',
      'canary-background-analysis-failed-reports-bounded',
      'canary-background-analysis-hourly-promoted',
      'analysis-child-waits-on-timer',
      'canary-rollback-stuck-backoff-rolled-back',
      'canary-notifications-after-run',
      'notification-after-run-delivered',
      'notification-after-run-refused',
      'canary-notifications-abandoned',
      'release-notifications-promoted',
      'release-notifications-rejected',
      'freeze-workflow-frozen-unfrozen',
      'freeze-workflow-follow-up-frozen-unfrozen',
      'canary-release-target-refused-by-freeze',
      'canary-release-target-frozen-at-start-promoted',
      'canary-held-by-release-gate-reported-promoted',
      'release-target-gate-reported-promoted',
    ]),
  );
});

it.each(files)('replays %s deterministically', async (file) => {
  // Decoded with @temporalio/proto directly (the saved form is protobufjs's own JSON of the History message).
  const { workflowId, history } = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  const decoded = temporal.api.history.v1.History.fromObject(history);
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, decoded, workflowId);
});
