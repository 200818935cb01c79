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
    deploy: (input) => seen('deploy', input, candidate(input.metadata.release)),
    waitReady: (input) => seen('waitReady', input, undefined),
    preview: (input) => seen('preview', input, undefined),
    setTraffic: async (input) => {
      await seen('setTraffic', input, undefined);
      if (slowTrafficFor(input.metadata.service)) await new Promise((r) => setTimeout(r, 120_000));
    },
    promote: (input) => seen('promote', input, undefined),
    rollback: (input) => seen('rollback', input, undefined),
    retirePrevious: (input) => seen('retirePrevious', input, undefined),
    migrate: () => Promise.resolve({ ran: false }),
  };
}
