/**
 * An abort at each moment of an ECS service-pair canary, on the real Temporal dev server and moto with the
 * simulated ECS scheduler (test/support/ecs_sim.py): the run ends promoted or rolled back, and the production
 * listener and the cluster's services say the same as the status. Each held call (test/support/held-platform.ts)
 * has made its real change on the simulator before or after the hold; an interrupted call always finishes before
 * the rollback starts. The point of no return is the start of the promote call (README "Guarantees").
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { ActionRefused } from '../../starters/actions';
import { abortSignal } from '../../workflows/messages';
import {
  type EcsFixture,
  type Weights,
  activeServices,
  createEcsService,
  ecsPlan,
  ecsPlatformAt,
  everyService,
  listenerWeights,
  targetStates,
  uniqueEcsName,
} from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import type { Moment } from '../support/held-platform';
import { expectRollbackAfter, useHeldRuns } from '../support/held-runs';
import { canary } from '../support/plans';
import { activityLog, rolledBack, startHarness, startPlan, waitForStatus } from '../support/temporal';

const sim = useEcsSim();
const held = useHeldRuns();

const CANARY = canary({ setWeight: 10 }, { setWeight: 50 });

const split = (f: EcsFixture, candidate: number): Weights => ({ [f.blueTg]: 100 - candidate, [f.greenTg]: candidate });

/** A new service pair; the canary run with `moment` held; `act` runs while it is held, told the fixture. */
async function runHeld(moment: Moment, act: (f: EcsFixture, abort: () => Promise<string>) => Promise<void>) {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('mom'));
  const run = await held.run({ ecs: ecsPlatformAt(sim.endpoint) }, ecsPlan(f, CANARY), moment, (handle) =>
    act(f, () => held.abort(handle)),
  );
  return { f, ...run };
}

/** As before the release: all traffic on the blue group, the one service, nothing registered to green. */
async function expectBackOnStable(f: EcsFixture): Promise<void> {
  expect(await listenerWeights(f)).toEqual(split(f, 0));
  expect(await activeServices(f)).toEqual([f.service]);
  expect(await targetStates(f, f.greenTg)).toEqual([]);
}

describe('ECS canary: an abort before the point of no return rolls back, with the listener and services back', () => {
  // The moment, the call held there, and the listener's split while it is held (the abort lands then).
  const moments: Array<[string, Moment, number]> = [
    ['before deploy returns', { call: 'deployCandidate', when: 'after' }, 0],
    ['during readiness', { call: 'waitCandidateReady', when: 'before' }, 0],
    ['during the first traffic step, before the change', { call: 'setTrafficWeight', weight: 10, when: 'before' }, 0],
    ['during the second traffic step, after the change', { call: 'setTrafficWeight', weight: 50, when: 'after' }, 50],
  ];
  for (const [label, moment, weightWhileHeld] of moments) {
    it(label, async () => {
      const run = await runHeld(moment, async (f, abort) => {
        expect(await listenerWeights(f)).toEqual(split(f, weightWhileHeld));
        expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort()); // the new service exists
        expect(await abort()).toContain('abort sent');
      });
      const { status } = await rolledBack(run.handle);
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
      expect(status.outcome!.reason).toContain('aborted by oncall');
      await expectBackOnStable(run.f);
      expect(run.calls.at(-1)).toBe('rollBack');
      expect(run.calls).not.toContain('promoteCandidate');
      await expectRollbackAfter(run.handle, moment.call);
    });
  }

  it('during a timed soak: the soak ends at once, no later step runs', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('soak'));
    const h = await startHarness({ platforms: { ecs: ecsPlatformAt(sim.endpoint) } });
    onTestFinished(() => h.close());
    await h.run(async () => {
      const plan = ecsPlan(f, canary({ setWeight: 10 }, { pause: { duration: '1h' } }, { setWeight: 50 }));
      const handle = await startPlan(h.client, plan, h.taskQueue);
      await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.weight === 10);
      expect(await listenerWeights(f)).toEqual(split(f, 10));
      await handle.signal(abortSignal, { by: 'oncall', reason: 'test' });
      const { status } = await rolledBack(handle);
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
      await expectBackOnStable(f);
      expect((await activityLog(handle)).scheduled).toEqual(['deployCandidate', 'waitCandidateReady', 'setTrafficWeight', 'rollBack']);
    });
  });
});

describe('ECS canary: from the promote call on, an abort is too late and the run ends promoted', () => {
  // The moment, and the listener's split while it is held.
  const moments: Array<[string, Moment, number]> = [
    ['during promote, before the listener moves', { call: 'promoteCandidate', when: 'before' }, 50],
    ['during promote, after the listener moved', { call: 'promoteCandidate', when: 'after' }, 100],
    ['between promote and retire', { call: 'retirePrevious', when: 'before' }, 100],
    ['during retire', { call: 'retirePrevious', when: 'after' }, 100],
  ];
  for (const [label, moment, weightWhileHeld] of moments) {
    it(label, async () => {
      const run = await runHeld(moment, async (f, abort) => {
        expect(await listenerWeights(f)).toEqual(split(f, weightWhileHeld));
        await expect(abort()).rejects.toThrow(ActionRefused);
        await expect(abort()).rejects.toThrow(/too late: .* past its point of no return/);
      });
      const status = run.promoted!;
      expect(status).toMatchObject({ phase: 'Promoted', weight: 100, outcome: { result: 'promoted' } });
      expect(status.actions.filter((a) => a.action === 'abort').map((a) => a.note)).toEqual([
        expect.stringContaining('too late'),
        expect.stringContaining('too late'),
      ]);
      // All traffic on the new service, the previous one retired, nothing rolled back.
      expect(await listenerWeights(run.f)).toEqual(split(run.f, 100));
      expect(await activeServices(run.f)).toEqual([`${run.f.service}-v2`]);
      expect(await targetStates(run.f, run.f.greenTg)).toEqual(['healthy', 'healthy']);
      expect(await targetStates(run.f, run.f.blueTg)).toEqual([]);
      expect(await everyService(run.f)).toEqual([run.f.service, `${run.f.service}-v2`].sort());
      expect(run.calls).not.toContain('rollBack');
    });
  }
});
