/**
 * One stage of a release: its migration (at most one, before any traffic), then its waves. Each target runs as
 * today's deployment workflow, as a child with the same ID (`deploy:<service>/<environment>`), and waits before
 * its point of no return. When every target moved, the stage is confirmed and its targets end promoted. When one
 * fails (or the release is aborted), every target that moved switches back, newest first — or, with
 * `onFailure: halt`, the moved ones are kept. Workflow code: deterministic.
 *
 * With the `release-stops-at-once` patch: a target that fails after it moved (aborted while held, say) fails the
 * stage at once, even while a later wave runs; an abort starts no migration and no target; a joint rollback
 * signals every moved target, newest first, before it waits for any (one stuck in its rollback holds no other on
 * the new version). Confirming a stage is its point of no return: a target that fails from then on leaves the
 * stage halted, the others promoted.
 */
import {
  ApplicationFailure,
  CancellationScope,
  type ChildWorkflowHandle,
  ParentClosePolicy,
  condition,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { PlannedStage, ReleaseTarget } from '../plan/release-stages';
import { rescue, waits } from './activities';
import { Compensations } from './compensations';
import { deploymentWorkflow } from './deployment';
import { describeMigrationTask, planDetails, planSummary } from './describe';
import { deploymentStartAttributes } from './start-attributes';
import { describeFailure } from './failures';
import { pauseTarget, resumePausedTargets } from './release-actions';
import { type ReleaseLink, confirmSignal, rollBackSignal } from './release-messages';
import type { ReleaseRun } from './release-run';
import { DeployReleaseId, DeploySystem } from './search-attributes';

interface Child {
  target: ReleaseTarget;
  order: number;
  handle?: ChildWorkflowHandle<typeof deploymentWorkflow>;
  closed?: { ok: boolean; message: string };
  /** The release told it to switch back (a halt switches back the targets still moving). */
  switchedBack?: boolean;
}

export type StageOutcome = { result: 'promoted' } | { result: 'rolled-back' | 'halted'; reason: string };

/** The patch of releases whose stages stop at once (see above); asked in the release's first workflow task. */
export const RELEASE_STOPS_AT_ONCE = 'release-stops-at-once';

export class StageRun {
  private readonly children: Child[] = [];
  private readonly undo = new Compensations();
  private starting = 0;
  /** Set on the first failure (or abort): no target starts after it. */
  private stopped?: string;

  constructor(
    private readonly run: ReleaseRun,
    private readonly stage: PlannedStage,
  ) {}

  private get status() {
    return this.run.stage(this.stage.name);
  }

  async execute(): Promise<StageOutcome> {
    this.run.status.stage = this.stage.name;
    const atOnce = this.run.stopsAtOnce;
    try {
      await this.run.forward.run(async () => {
        // Settles (throwing) when a target that already moved fails: the stage does not wait for the wave to end.
        const failed = atOnce ? this.aTargetFailed() : undefined;
        const unlessFailed = <T>(work: Promise<T>): Promise<T> => (failed ? Promise.race([work, failed]) : work);
        if (atOnce) this.throwIfStopped(); // an abort while the stage before was confirmed: no migration
        if (this.stage.migration) await this.migrate();
        for (const [w, wave] of this.stage.waves.entries()) {
          if (this.run.pausedBy) await unlessFailed(this.run.holdWhilePaused()); // no wave starts while the release is paused
          if (atOnce) this.throwIfStopped(); // the migration and the wave before ran past an abort or a failure
          this.status.state = 'running';
          this.run.setPhase(
            'Deploying',
            `${this.stage.name}: wave ${w + 1}/${this.stage.waves.length} (${wave.map((t) => t.name).join(', ')})`,
          );
          await unlessFailed(Promise.all(wave.map((target) => this.runTarget(target, wave))));
        }
        // Confirming is the targets' point of no return: not while the release is paused.
        if (this.run.pausedBy) await unlessFailed(this.run.holdWhilePaused());
        // Failed or aborted in the activation that ended the last wave: seen here, before anything is confirmed.
        if (atOnce) this.throwIfStopped();
      });
    } catch (err) {
      const reason = this.run.abortedBy
        ? `aborted by ${this.run.abortedBy.by}${this.run.abortedBy.reason ? `: ${this.run.abortedBy.reason}` : ''}`
        : (this.stopped ?? describeFailure(err));
      this.stopped ??= reason;
      // An abort always rolls the running stage back; a failure does what the stage says.
      const halt = !this.run.abortedBy && !CancellationScope.current().consideredCancelled && this.stage.onFailure === 'halt';
      await CancellationScope.nonCancellable(() => (halt ? this.halt(reason) : this.rollBackJointly(reason)));
      return { result: halt ? 'halted' : 'rolled-back', reason: `${this.stage.name}: ${reason}` };
    }
    return CancellationScope.nonCancellable(() => this.confirm());
  }

  /** Starts one target once the components it comes after (in this wave) moved; returns when it moved too. */
  private async runTarget(target: ReleaseTarget, wave: ReleaseTarget[]): Promise<void> {
    const status = this.run.target(target.workflowId)!;
    const before = wave.filter((other) => target.after.includes(other.component));
    if (before.length > 0) {
      status.message = `waits for ${before.map((b) => b.name).join(', ')}`;
      await condition(() => this.stopped !== undefined || before.every((b) => this.run.held.has(b.workflowId)));
    }
    if (this.stopped) return;
    if (this.run.pausedBy) {
      await this.run.holdWhilePaused(); // no target starts while the release is paused
      if (this.stopped) return;
    }
    if (this.run.stopsAtOnce) this.throwIfStopped(); // startChild runs non-cancellable: ask first
    const child: Child = { target, order: this.children.length };
    this.children.push(child);
    Object.assign(status, { state: 'starting', message: `starting ${target.workflowId}` });
    this.run.publish();
    this.starting++;
    try {
      child.handle = await CancellationScope.nonCancellable(() => startChild(deploymentWorkflow, this.childOptions(target)));
      // Shown running once its workflow exists, so whoever reads the status can signal or query it.
      Object.assign(status, { state: 'running', message: 'deploying' });
      this.run.publish();
    } catch (err) {
      const message = /already started|AlreadyStarted/i.test(describeFailure(err) + String((err as Error)?.name))
        ? `${target.workflowId} is already deploying (another plan or release holds it); wait for it or abort it`
        : describeFailure(err);
      child.closed = { ok: false, message };
    } finally {
      this.starting--;
    }
    if (child.handle) {
      this.run.handles.set(target.workflowId, child.handle);
      if (this.run.pausedBy) await pauseTarget(this.run, target.workflowId); // the release was paused while it started
    }
    // Closed: it waits at no gate any more, whatever it last reported.
    child.handle
      ?.result()
      .then(
        () => (child.closed = { ok: true, message: 'promoted' }),
        (err) => (child.closed = { ok: false, message: describeFailure(err) }),
      )
      .finally(() => (status.gate = undefined));
    await condition(() => this.run.held.has(target.workflowId) || child.closed !== undefined);
    if (this.run.held.has(target.workflowId)) return;
    if (this.run.stopsAtOnce && this.stopped) return; // the stage stopped first: its rollback says how this one ended
    throw this.targetFailed(child);
  }

  /** Throws when the release is stopping or a target failed: nothing new starts. */
  private throwIfStopped(): void {
    this.run.throwIfStopping();
    const child = this.failedChild();
    if (child) throw this.targetFailed(child);
  }

  /** The first target that closed without promoting, moved or not. */
  private failedChild(): Child | undefined {
    return this.children.find((c) => c.closed !== undefined && !c.closed.ok);
  }

  /** Rejects once a target fails: raced against the waves, and the hold before confirming. */
  private aTargetFailed(): Promise<never> {
    const failed = condition(() => this.failedChild() !== undefined).then(() => {
      throw this.targetFailed(this.failedChild()!);
    });
    failed.catch(() => undefined); // once the stage is confirmed, nobody races it any more
    return failed;
  }

  /** Marks the target failed (or ended on its own) and gives the stage's reason to stop. */
  private targetFailed(child: Child): ApplicationFailure {
    const { target, closed } = child;
    Object.assign(this.run.target(target.workflowId)!, { state: closed!.ok ? 'promoted' : 'failed', message: closed!.message });
    this.run.publish();
    const how = closed!.ok ? 'ended without waiting for the stage' : `failed: ${closed!.message}`;
    const reason = `${target.name} (${target.workflowId}) ${how}`;
    this.stopped ??= reason;
    return ApplicationFailure.nonRetryable(reason, 'TargetFailed');
  }

  private childOptions(target: ReleaseTarget) {
    const { plan } = target;
    const release = this.run.release.metadata;
    const releaseId = `${release.system}@${release.version}`;
    return {
      workflowId: target.workflowId,
      args: [plan, this.link(releaseId)] as Parameters<typeof deploymentWorkflow>,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL, // a release that disappears leaves no target half-way
      typedSearchAttributes: [
        ...deploymentStartAttributes(plan),
        { key: DeploySystem, value: release.system },
        { key: DeployReleaseId, value: releaseId },
      ],
      memo: { requestedBy: release.requestedBy ?? 'unknown', releaseId },
      staticSummary: `${planSummary(plan)} · release ${releaseId}`.slice(0, 200),
      staticDetails: `**Release:** ${releaseId}, stage ${target.stage}, target ${target.name}\n${planDetails(plan)}`,
    };
  }

  /** What the target knows of the release; with the `release-actions` patch, who let its stage start. */
  private link(releaseId: string): ReleaseLink {
    const link: ReleaseLink = { workflowId: workflowInfo().workflowId, releaseId };
    if (this.run.actions) link.promotedBy = this.run.admittedBy.get(this.stage.name) ?? 'automatic';
    return link;
  }

  private async migrate(): Promise<void> {
    const { migration, metadata, component } = this.stage.migration!;
    const info = workflowInfo();
    const key = `${info.workflowId}/${info.firstExecutionRunId}/${this.stage.name}/up`;
    this.status.state = 'migrating';
    this.status.migration = 'running';
    this.run.setPhase(
      'Migrating',
      `${this.stage.name}: migration of ${component} (${describeMigrationTask(migration.run)}) before any traffic`,
    );
    try {
      await CancellationScope.nonCancellable(() =>
        waits.runMigration.executeWithOptions({ summary: `${this.stage.name}: migrate (${describeMigrationTask(migration.run)})` }, [
          { task: migration.run, idempotencyKey: key, metadata },
        ]),
      );
    } catch (err) {
      this.status.migration = 'failed';
      throw err;
    }
    this.status.migration = 'applied';
    const down = migration.down;
    this.undo.push('down-migration', async () => {
      if (down) {
        await rescue.runMigration.executeWithOptions({ summary: `${this.stage.name}: down-migrate (${describeMigrationTask(down)})` }, [
          { task: down, idempotencyKey: key.replace(/\/up$/, '/down'), metadata },
        ]);
      }
      this.status.migration = down ? 'reverted' : 'kept (no down-migration)';
    });
  }

  /** Every target that moved switches back, newest first; then the migration's down. */
  private async rollBackJointly(reason: string): Promise<void> {
    this.status.state = 'rolling-back';
    this.run.setPhase('RollingBack', `${this.stage.name}: rolling back every target that moved: ${reason}`);
    await condition(() => this.starting === 0);
    const by = this.run.abortedBy?.by ?? 'glidepath';
    const newestFirst = [...this.children].sort((a, b) => b.order - a.order).filter((c) => !c.closed);
    const switchBack = async (child: Child, waitForIt: boolean) => {
      const status = this.run.target(child.target.workflowId)!;
      Object.assign(status, { state: 'rolling-back', message: 'switching back', gate: undefined });
      this.run.publish();
      const signalled = child
        .handle!.signal(rollBackSignal, { by, reason: `joint rollback of ${this.stage.name}: ${reason}` })
        .catch(() => undefined);
      if (waitForIt) await signalled;
      await condition(() => child.closed !== undefined);
      Object.assign(status, {
        state: child.closed!.ok ? 'promoted' : 'rolled-back',
        message: child.closed!.ok ? 'was past its point of no return' : 'switched back to the previous version',
      });
      this.run.publish();
    };
    // Every signal goes out now, newest first; a target stuck in its rollback holds no other back.
    if (this.run.stopsAtOnce) await Promise.all(newestFirst.map((child) => switchBack(child, false)));
    else for (const child of newestFirst) await switchBack(child, true);
    this.skipUnstarted();
    await this.undo.unwind({
      onEach: (step) => this.run.setPhase('RollingBack', `${this.stage.name}: ${step}`),
      whenStuck: (_, err) => this.retryLater(err),
    });
    this.status.state = 'rolled-back';
    this.run.publish();
  }

  /** onFailure: halt — the targets that moved stay on the new version; those still moving switch back. */
  private async halt(reason: string): Promise<void> {
    this.run.setPhase('RollingBack', `${this.stage.name}: halting (moved targets kept): ${reason}`);
    await condition(() => this.starting === 0);
    // Targets the release's pause holds would wait for a resume: confirmed or switched back, they must go on.
    if (this.run.pausedTargets.size > 0)
      await resumePausedTargets(this.run, { by: 'glidepath', reason: `stage ${this.stage.name} halted` });
    for (const child of this.children.filter((c) => !c.closed)) {
      const held = this.run.held.has(child.target.workflowId);
      child.switchedBack = !held;
      await child
        .handle!.signal(held ? confirmSignal : rollBackSignal, { by: 'glidepath', reason: `stage ${this.stage.name} halted: ${reason}` })
        .catch(() => undefined);
    }
    await this.settle();
    this.skipUnstarted();
    this.status.state = 'halted';
    this.run.publish();
  }

  /** Every target moved: confirm them all; they pass their point of no return and end promoted. */
  private async confirm(): Promise<StageOutcome> {
    this.status.state = 'confirming';
    this.run.setPhase('Confirming', `${this.stage.name}: every target moved; confirming`);
    if (this.run.stopsAtOnce && this.run.stages.at(-1)?.name === this.stage.name) this.run.commit();
    for (const child of this.children) {
      await child
        .handle!.signal(confirmSignal, { by: 'glidepath', reason: `stage ${this.stage.name} confirmed by the release` })
        .catch(() => undefined);
    }
    await this.settle();
    const failed = this.children.filter((c) => !c.closed!.ok);
    if (failed.length > 0) {
      this.status.state = 'halted';
      return {
        result: 'halted',
        reason: `${this.stage.name}: ${failed.map((c) => `${c.target.name} failed to promote: ${c.closed!.message}`).join('; ')}`,
      };
    }
    this.status.state = 'promoted';
    this.status.promotedAt = new Date().toISOString();
    this.run.publish();
    return { result: 'promoted' };
  }

  private async settle(): Promise<void> {
    await condition(() => this.children.every((c) => c.closed !== undefined));
    for (const child of this.children) {
      const status = this.run.target(child.target.workflowId)!;
      // Switched back by the release, or failed on its own (its own rollback ran).
      Object.assign(status, {
        state: child.closed!.ok ? 'promoted' : child.switchedBack ? 'rolled-back' : 'failed',
        message: child.closed!.message,
      });
    }
    this.run.publish();
  }

  private skipUnstarted(): void {
    for (const t of this.status.targets)
      if (t.state === 'waiting') Object.assign(t, { state: 'skipped', message: 'not started: the stage stopped first' });
  }

  private async retryLater(err: unknown): Promise<void> {
    this.run.setPhase('RollingBack', `${this.stage.name}: down-migration failing (${describeFailure(err)}); retrying in 10m`);
    await condition(() => false, 10 * 60_000, { summary: 'retry down-migration' });
  }
}
