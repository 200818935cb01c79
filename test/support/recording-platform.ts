/**
 * A platform double that records every call it gets, for the workflow's own rules (time-skipping server): the
 * real platforms are covered against their servers. A call is recorded as its name, with the weight of a traffic
 * change (`setTraffic 50`) or the direction of a migration (`migrate up`); `behaviour` replaces what a call does.
 */
import { type Candidate, PLATFORM_METHODS, type Platform } from '../../activities/types';

type Call = (input: never) => Promise<unknown>;

/** What deployCandidate answers. */
export const CANDIDATE: Candidate = { stableVersion: '1', candidateVersion: '2', data: {} };
export interface RecordingPlatform {
  platform: Platform;
  /** Every call, in order. */
  calls: string[];
  /** The calls for one service's targets, in order. */
  callsOf(service: string): string[];
}

type CallInput = { weight?: number; idempotencyKey?: string; metadata?: { service: string } };

export function recordingPlatform(behaviour: Partial<Record<keyof Platform, Call>> = {}): RecordingPlatform {
  const calls: string[] = [];
  const byService = new Map<string, string[]>();
  const answer = (name: keyof Platform) => (name === 'deployCandidate' ? CANDIDATE : name === 'runMigration' ? { ran: true } : undefined);
  const record = (name: keyof Platform) => async (input: CallInput) => {
    const detail =
      input.weight !== undefined ? ` ${input.weight}` : input.idempotencyKey ? ` ${input.idempotencyKey.split('/').at(-1)}` : '';
    calls.push(`${name}${detail}`);
    const service = input.metadata?.service ?? '';
    byService.set(service, [...(byService.get(service) ?? []), `${name}${detail}`]);
    const own = behaviour[name];
    return own ? own(input as never) : answer(name);
  };
  return {
    calls,
    callsOf: (service) => byService.get(service) ?? [],
    platform: Object.fromEntries(PLATFORM_METHODS.map((n) => [n, record(n)])) as unknown as Platform,
  };
}
