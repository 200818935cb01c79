/**
 * The workload seam: how a release runs beside the stable version (a published Lambda version, an ECS service,
 * a Kubernetes Deployment), apart from how traffic moves to it (its TrafficRouter). `releaseCalls` turns a
 * workload into the platform calls and decides here, once, what every call shares:
 * - the target narrowed to the workload's type and Candidate.data decoded by the workload's decoder;
 * - a release that is live already (`unchanged`) is left alone by every call after deploy;
 * - setTraffic is the router's setWeight, and promotion is all traffic to the new version unless the workload
 *   says otherwise.
 */
import type { Metadata } from '../plan/schema';
import type { Target } from '../plan/targets';
import type { TrafficRouter } from './traffic-router';
import type { Candidate, CandidateData, CandidateInput, DeployInput, Platform } from './types';

/** One release as the calls after deploy see it: the narrowed target, the decoded candidate, its router. */
export interface Release<T extends Target, D, R extends TrafficRouter = TrafficRouter> {
  target: T;
  metadata: Metadata;
  candidate: Candidate;
  data: D;
  router: R;
}

type Step<T extends Target, D, R extends TrafficRouter> = (release: Release<T, D, R>) => Promise<void>;

/** `R`: the router the workload works with (a workload may ask more of it than the common calls). */
export interface Workload<T extends Target, D, R extends TrafficRouter = TrafficRouter> {
  /** Candidate.data read back, in every shape runs in flight carry (see activities/candidate-data.ts). */
  decode(data: CandidateData): D;
  /** The router that moves this release's traffic. */
  router(target: T, data: D, candidate: Candidate): R;
  /** Candidates recorded before `Candidate.unchanged` existed: whether they said "already live" their own way. */
  recordedUnchanged?(candidate: Candidate): boolean;
  /** Creates the new version beside the stable one, with no traffic; sets `unchanged` when it is live already. */
  deploy(target: T, input: DeployInput): Promise<Candidate>;
  waitReady: Step<T, D, R>;
  /** Blue-green: the new version reachable on its preview endpoint (default: nothing to do). */
  preview?: Step<T, D, R>;
  /** Default: all traffic to the new version through the router. */
  promote?: Step<T, D, R>;
  /** All traffic back on the stable version (the router's reset) and the new version removed. */
  rollBack: Step<T, D, R>;
  /** Rollback when the deploy call never returned: undo whatever this release created, found by its names. */
  rollBackUnknown(target: T, metadata: Metadata): Promise<void>;
  /** After the scale-down delay: remove what remains of the previous version (default: nothing to do). */
  retirePrevious?: Step<T, D, R>;
}

/** The platform calls of one release, without migrations (those belong to the platform, not to a workload). */
export type ReleaseCalls = Omit<Platform, 'runMigration'>;

export function releaseCalls<T extends Target, D, R extends TrafficRouter>(
  narrow: (target: Target) => T,
  workload: Workload<T, D, R>,
): ReleaseCalls {
  const alreadyLive = (candidate: Candidate) => candidate.unchanged ?? workload.recordedUnchanged?.(candidate) ?? false;
  const on =
    (step: Step<T, D, R> | undefined) =>
    async ({ target, metadata, candidate }: CandidateInput): Promise<void> => {
      const narrowed = narrow(target);
      if (!step || alreadyLive(candidate)) return;
      const data = workload.decode(candidate.data);
      await step({ target: narrowed, metadata, candidate, data, router: workload.router(narrowed, data, candidate) });
    };
  const promote: Step<T, D, R> = workload.promote ?? ((release) => release.router.setWeight(100));
  return {
    deployCandidate: (input) => workload.deploy(narrow(input.target), input),
    waitCandidateReady: on(workload.waitReady),
    previewCandidate: on(workload.preview),
    setTrafficWeight: ({ weight, ...input }) => on((release) => release.router.setWeight(weight))(input),
    promoteCandidate: on(promote),
    rollBack: ({ target, metadata, candidate }) =>
      candidate ? on(workload.rollBack)({ target, metadata, candidate }) : workload.rollBackUnknown(narrow(target), metadata),
    retirePrevious: on(workload.retirePrevious),
  };
}

/** What a dispatcher may choose by: the target, and the strategy (deploy) or the candidate (later calls). */
export interface Choice {
  target: Target;
  strategy?: DeployInput['strategy'];
  candidate?: Candidate;
}

/** Several workloads behind one platform: each call goes to the one `choose` picks for its input. */
export function dispatch(choose: (input: Choice) => ReleaseCalls): ReleaseCalls {
  return {
    deployCandidate: (input) => choose(input).deployCandidate(input),
    waitCandidateReady: (input) => choose(input).waitCandidateReady(input),
    previewCandidate: (input) => choose(input).previewCandidate(input),
    setTrafficWeight: (input) => choose(input).setTrafficWeight(input),
    promoteCandidate: (input) => choose(input).promoteCandidate(input),
    rollBack: (input) => choose(input).rollBack(input),
    retirePrevious: (input) => choose(input).retirePrevious(input),
  };
}
