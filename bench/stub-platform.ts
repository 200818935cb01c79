/**
 * A platform that answers at once, for the bench's memory, wake and failover figures: they measure the engine
 * (workflow tasks, cache, replay, failover), so no platform latency is mixed in. Each call is reported with the
 * time it started, for the wake and failover latencies.
 */
import type { Candidate, Platform } from '../activities/types';

export interface StubCall {
  method: keyof Platform;
  service: string;
  weight?: number;
  at: number;
}

/** `slowTrafficFor`: services whose setTraffic call hangs (a platform call in flight when a worker dies). */
export function stubPlatform(report: (call: StubCall) => void, slowTrafficFor: (service: string) => boolean = () => false): Platform {
  const seen = <T>(method: keyof Platform, input: { metadata: { service: string }; weight?: number }, value: T): Promise<T> => {
    report({ method, service: input.metadata.service, weight: input.weight, at: Date.now() });
    return Promise.resolve(value);
  };
  const candidate = (release: string): Candidate => ({ stableVersion: '1', candidateVersion: release, data: {} });
  return {
    deployCandidate: (input) => seen('deployCandidate', input, candidate(input.metadata.release)),
    waitCandidateReady: (input) => seen('waitCandidateReady', input, undefined),
    previewCandidate: (input) => seen('previewCandidate', input, undefined),
    setTrafficWeight: async (input) => {
      await seen('setTrafficWeight', input, undefined);
      if (slowTrafficFor(input.metadata.service)) await new Promise((r) => setTimeout(r, 120_000));
    },
    promoteCandidate: (input) => seen('promoteCandidate', input, undefined),
    rollBack: (input) => seen('rollBack', input, undefined),
    retirePrevious: (input) => seen('retirePrevious', input, undefined),
    runMigration: () => Promise.resolve({ ran: false }),
  };
}
