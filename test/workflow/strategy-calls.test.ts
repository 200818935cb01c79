/**
 * Plan → the platform calls it makes, for every strategy and every message people send, as one table on the
 * time-skipping server (soaks and timeouts pass at once) with a recording platform. The real platforms are
 * covered against their servers elsewhere; this table is the workflow's contract with them.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { abortSignal, approveUpdate, pauseSignal, promoteUpdate, rejectUpdate, resumeSignal, statusQuery } from '../../workflows/messages';
import type { DeploymentStatus } from '../../workflows/status';
import { canary, lambdaPlan } from '../support/plans';
import { uniqueName } from '../support/temporal';
import { recordingPlatform } from '../support/recording-platform';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';

const env = useTimeSkippingEnv();

async function until(handle: WorkflowHandle, predicate: (s: DeploymentStatus) => boolean): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status && predicate(status)) return;
    if (Date.now() > deadline) throw new Error(`never reached; last ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const by = { by: 'oncall', reason: 'table' };
const at = (phase: string) => (s: DeploymentStatus) => s.phase === phase;
const MIGRATION = { migration: { run: { type: 'lambda', functionName: 'migrate' }, down: { type: 'lambda', functionName: 'migrate' } } };
const BLUE_GREEN = {
  type: 'blueGreen',
  prePromotion: [{ approval: { approvers: ['qa'] } }],
  postPromotion: [{ pause: { duration: '5m' } }],
  scaleDownDelay: '1h',
};

interface Case {
  plan: [strategy: unknown, extra?: Record<string, unknown>];
  act?: (h: WorkflowHandle) => Promise<void>;
  calls: string[];
  outcome: 'promoted' | 'rolled back';
}

const CASES: Record<string, Case> = {
  'canary: every step, then promote and retire': {
    plan: [canary({ setWeight: 10 }, { pause: { duration: '10m' } }, { setWeight: 50 })],
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'setTrafficWeight 50', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'canary: promote continues past a pause that waits for it': {
    plan: [canary({ setWeight: 10 }, { pause: {} }, { setWeight: 50 })],
    act: async (h) => {
      await until(h, at('AwaitingPromotion'));
      await h.executeUpdate(promoteUpdate, { args: [{ ...by, full: false }] });
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'setTrafficWeight 50', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'canary: promote --full skips every remaining step': {
    plan: [canary({ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { setWeight: 80 })],
    act: async (h) => {
      await until(h, at('AwaitingPromotion'));
      await h.executeUpdate(promoteUpdate, { args: [{ ...by, full: true }] });
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'canary: abort at a step rolls back': {
    plan: [canary({ setWeight: 10 }, { pause: {} }, { setWeight: 50 })],
    act: async (h) => {
      await until(h, at('AwaitingPromotion'));
      await h.signal(abortSignal, by);
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'rollBack'],
    outcome: 'rolled back',
  },
  'canary: approve continues': {
    plan: [canary({ setWeight: 10 }, { approval: { approvers: ['alice'] } }, { setWeight: 50 })],
    act: async (h) => {
      await until(h, at('AwaitingApproval'));
      await h.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'ok' }] });
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'setTrafficWeight 50', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'canary: reject rolls back': {
    plan: [canary({ setWeight: 10 }, { approval: { approvers: ['alice'] } }, { setWeight: 50 })],
    act: async (h) => {
      await until(h, at('AwaitingApproval'));
      await h.executeUpdate(rejectUpdate, { args: [{ by: 'alice', reason: 'errors up' }] });
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'rollBack'],
    outcome: 'rolled back',
  },
  'canary: an approval timeout with onTimeout abort rolls back': {
    plan: [canary({ setWeight: 10 }, { approval: { approvers: ['alice'], timeout: '1h', onTimeout: 'abort' } }, { setWeight: 50 })],
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'rollBack'],
    outcome: 'rolled back',
  },
  'canary: an approval timeout with onTimeout promote continues': {
    plan: [canary({ setWeight: 10 }, { approval: { approvers: ['alice'], timeout: '1h', onTimeout: 'promote' } }, { setWeight: 50 })],
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'setTrafficWeight 50', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'canary: pause holds at the step boundary, resume continues': {
    plan: [canary({ setWeight: 10 }, { approval: { approvers: ['alice'] } }, { setWeight: 50 })],
    act: async (h) => {
      await until(h, at('AwaitingApproval'));
      await h.signal(pauseSignal, by);
      await h.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'ok' }] });
      await until(h, at('Paused'));
      await h.signal(resumeSignal, by);
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'setTrafficWeight 50', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'migration then canary: abort undoes the traffic, then the migration': {
    plan: [canary({ setWeight: 10 }, { pause: {} }), MIGRATION],
    act: async (h) => {
      await until(h, at('AwaitingPromotion'));
      await h.signal(abortSignal, by);
    },
    calls: ['runMigration up', 'deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'rollBack', 'runMigration down'],
    outcome: 'rolled back',
  },
  'blue-green: preview, approve, switch, keep the previous version, retire': {
    plan: [BLUE_GREEN],
    act: async (h) => {
      await until(h, at('AwaitingApproval'));
      await h.executeUpdate(approveUpdate, { args: [{ by: 'qa', reason: 'preview ok' }] });
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'previewCandidate', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'blue-green: abort during the scale-down delay switches back': {
    plan: [{ ...BLUE_GREEN, postPromotion: [] }], // (a soak there would only pass while the test awaits the result)
    act: async (h) => {
      await until(h, at('AwaitingApproval'));
      await h.executeUpdate(approveUpdate, { args: [{ by: 'qa', reason: 'preview ok' }] });
      await until(h, at('KeepingPrevious'));
      await h.signal(abortSignal, by);
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'previewCandidate', 'promoteCandidate', 'rollBack'],
    outcome: 'rolled back',
  },
  'blue-green: reject before the switch rolls back': {
    plan: [BLUE_GREEN],
    act: async (h) => {
      await until(h, at('AwaitingApproval'));
      await h.executeUpdate(rejectUpdate, { args: [{ by: 'qa', reason: 'preview broken' }] });
    },
    calls: ['deployCandidate', 'waitCandidateReady', 'previewCandidate', 'rollBack'],
    outcome: 'rolled back',
  },
};

describe('plan → platform calls', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const { platform, calls } = recordingPlatform();
      const { worker, taskQueue } = await createEnvWorker(env, 'calls', { platforms: { lambda: platform } });
      const outcome = await worker.runUntil(async () => {
        const started = await startDeployment(env.client, lambdaPlan(uniqueName('svc'), c.plan[0], c.plan[1]), taskQueue);
        if (started.kind === 'conflict') throw new Error('conflict');
        await c.act?.(started.handle);
        return started.handle.result().then(
          () => 'promoted',
          () => 'rolled back',
        );
      });
      expect({ calls, outcome }).toEqual({ calls: c.calls, outcome: c.outcome });
    });
  }
});
