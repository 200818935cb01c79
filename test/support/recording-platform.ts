/**
 * A platform double that records every call it gets, for the workflow's own rules (time-skipping server): the
 * real platforms are covered against their servers. A call is recorded as its name, with the weight of a traffic
 * change (`setTraffic 50`) or the direction of a migration (`migrate up`); `behaviour` replaces what a call does.
 */
import { type Candidate, PLATFORM_METHODS, type Platform } from '../../activities/types';

type Call = (input: never) => Promise<unknown>;

const CANDIDATE: Candidate = { stableVersion: '1', candidateVersion: '2', data: {} };
export function recordingPlatform(behaviour: Partial<Record<keyof Platform, Call>> = {}): { platform: Platform; calls: string[] } {
  const calls: string[] = [];
  const answer = (name: keyof Platform) => (name === 'deployCandidate' ? CANDIDATE : name === 'runMigration' ? { ran: true } : undefined);
  const record = (name: keyof Platform) => async (input: { weight?: number; idempotencyKey?: string }) => {
    const detail =
      input.weight !== undefined ? ` ${input.weight}` : input.idempotencyKey ? ` ${input.idempotencyKey.split('/').at(-1)}` : '';
    calls.push(`${name}${detail}`);
    const own = behaviour[name];
    return own ? own(input as never) : answer(name);
  };
  return { calls, platform: Object.fromEntries(PLATFORM_METHODS.map((n) => [n, record(n)])) as unknown as Platform };
}
