/**
 * Plan → the platform calls it makes, for every strategy and every message people send (at each moment it can
 * arrive), as one table on the time-skipping server (soaks and timeouts pass at once) with a recording platform
 * and one worker. The real platforms are covered against their servers elsewhere; this table is the workflow's
 * contract with them. Part of the fast tier (`npm run test:unit`).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../activities/types';
import { startDeployment } from '../../starters/deploy';
import { abortSignal, approveUpdate, pauseSignal, promoteUpdate, rejectUpdate, resumeSignal, statusQuery } from '../../workflows/messages';
import type { DeploymentStatus } from '../../workflows/status';
import { canary, lambdaPlan } from '../support/plans';
import { uniqueName } from '../support/temporal';
import { CANDIDATE, recordingPlatform } from '../support/recording-platform';
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

/** A platform call of one service held open once reached, until the case lets it go (to act while it runs). */
interface Held {
  reached: Promise<void>;
  release(): void;
}
const holds = new Map<string, { call: keyof Platform; reached: () => void; released: Promise<void> }>();
function hold(service: string, call: keyof Platform): Held {
  let reached = () => {};
  let release = () => {};
  const reachedPromise = new Promise<void>((r) => (reached = r));
  holds.set(service, { call, reached, released: new Promise<void>((r) => (release = r)) });
  return { reached: reachedPromise, release };
}
const holding = (name: keyof Platform) => async (input: { metadata: { service: string } }) => {
  const held = holds.get(input.metadata.service);
  if (held?.call === name) {
    held.reached();
    await held.released;
  }
  return name === 'deployCandidate' ? CANDIDATE : undefined;
};
const recording = recordingPlatform({
  deployCandidate: holding('deployCandidate') as never,
  waitCandidateReady: holding('waitCandidateReady') as never,
  setTrafficWeight: holding('setTrafficWeight') as never,
  promoteCandidate: holding('promoteCandidate') as never,
});

let worker: Worker;
let taskQueue: string;
let running: Promise<void>;
beforeAll(async () => {
  ({ worker, taskQueue } = await createEnvWorker(env, 'calls', { platforms: { lambda: recording.platform } }));
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
});

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
  /** A call to hold open once reached: `act` gets it, to send a message while the call runs. */
  holdCall?: keyof Platform;
  act?: (h: WorkflowHandle, held: Held) => Promise<void>;
  calls: string[];
  outcome: 'promoted' | 'rolled back';
}

const DEPLOYED = ['deployCandidate', 'waitCandidateReady'];
/** Abort while `call` runs: the call finishes (or hears the cancel), then the rollback. */
const abortWhileHeld = async (h: WorkflowHandle, held: Held) => {
  await held.reached;
  await h.signal(abortSignal, by);
  await until(h, (s) => s.actions.some((a) => a.action === 'abort'));
  held.release();
};

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
  'canary: abort while the new version deploys: it is created, then rolled back': {
    plan: [canary({ setWeight: 10 })],
    holdCall: 'deployCandidate',
    act: abortWhileHeld,
    calls: ['deployCandidate', 'rollBack'],
    outcome: 'rolled back',
  },
  'canary: abort while waiting for the new version to be ready': {
    plan: [canary({ setWeight: 10 })],
    holdCall: 'waitCandidateReady',
    act: abortWhileHeld,
    calls: [...DEPLOYED, 'rollBack'],
    outcome: 'rolled back',
  },
  'canary: abort while traffic moves: the rollback comes after the traffic call': {
    plan: [canary({ setWeight: 10 }, { setWeight: 50 })],
    holdCall: 'setTrafficWeight',
    act: abortWhileHeld,
    calls: [...DEPLOYED, 'setTrafficWeight 10', 'rollBack'],
    outcome: 'rolled back',
  },
  'canary: abort during a timed soak rolls back': {
    plan: [canary({ setWeight: 10 }, { pause: { duration: '1h' } }, { setWeight: 50 })],
    act: async (h) => {
      await until(h, at('Soaking'));
      await h.signal(abortSignal, by);
    },
    calls: [...DEPLOYED, 'setTrafficWeight 10', 'rollBack'],
    outcome: 'rolled back',
  },
  'canary: abort once the promote call started is too late: promoted': {
    plan: [canary({ setWeight: 10 })],
    holdCall: 'promoteCandidate',
    act: async (h, held) => {
      await held.reached;
      await h.signal(abortSignal, by);
      await until(h, (s) => s.actions.some((a) => a.action === 'abort' && /too late/.test(a.note ?? '')));
      held.release();
    },
    calls: [...DEPLOYED, 'setTrafficWeight 10', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'blue-green: abort during the soak after the switch switches back': {
    plan: [{ ...BLUE_GREEN, prePromotion: [] }],
    act: async (h) => {
      await until(h, at('Soaking'));
      await h.signal(abortSignal, by);
    },
    calls: [...DEPLOYED, 'previewCandidate', 'promoteCandidate', 'rollBack'],
    outcome: 'rolled back',
  },
  'blue-green: promote ends the soak after the switch; the previous version is kept, then retired': {
    plan: [{ ...BLUE_GREEN, prePromotion: [], postPromotion: [{ pause: {} }] }],
    act: async (h) => {
      await until(h, at('AwaitingPromotion'));
      await h.executeUpdate(promoteUpdate, { args: [{ ...by, full: false }] });
      await until(h, at('KeepingPrevious'));
    },
    calls: [...DEPLOYED, 'previewCandidate', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
  },
  'blue-green: an approval timeout before the switch with onTimeout abort rolls back': {
    plan: [{ ...BLUE_GREEN, prePromotion: [{ approval: { approvers: ['qa'], timeout: '1h', onTimeout: 'abort' } }] }],
    calls: [...DEPLOYED, 'previewCandidate', 'rollBack'],
    outcome: 'rolled back',
  },
  'blue-green: pause before the switch holds it, resume switches': {
    plan: [BLUE_GREEN],
    act: async (h) => {
      await until(h, at('AwaitingApproval'));
      await h.signal(pauseSignal, by);
      await h.executeUpdate(approveUpdate, { args: [{ by: 'qa', reason: 'preview ok' }] });
      await until(h, at('Paused'));
      await h.signal(resumeSignal, by);
    },
    calls: [...DEPLOYED, 'previewCandidate', 'promoteCandidate', 'retirePrevious'],
    outcome: 'promoted',
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

/** How the run ended, as CI reads it: promoted, rolled back (a RolledBack failure), or anything else, named. */
async function ending(handle: WorkflowHandle): Promise<string> {
  try {
    await handle.result();
    return 'promoted';
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === 'RolledBack') return 'rolled back';
    return `failed: ${(err as Error).message}`;
  }
}

describe('plan → platform calls', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const service = uniqueName('svc');
      const held = c.holdCall ? hold(service, c.holdCall) : { reached: Promise.resolve(), release: () => {} };
      const started = await startDeployment(env.client, lambdaPlan(service, c.plan[0], c.plan[1]), taskQueue);
      if (started.kind === 'conflict') throw new Error('conflict');
      await c.act?.(started.handle, held);
      const outcome = await ending(started.handle);
      expect({ calls: recording.callsOf(service), outcome }).toEqual({ calls: c.calls, outcome: c.outcome });
    });
  }
});
