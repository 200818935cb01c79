/**
 * A real platform with one call held open at a moment a test chooses, so a message (abort, cancel) can land
 * exactly while that call is in flight. The real call still runs: before the hold ('before') or before the
 * activity returns ('after'), so the platform's state is the real one either way.
 */
import type { Platform } from '../../activities/types';

/** `weight` and `environment` narrow the moment to one traffic step or one target (its plan's environment). */
export type Moment = { call: keyof Platform; when: 'before' | 'after'; weight?: number; environment?: string };

export interface HeldPlatform {
  platform: Platform;
  /** Resolves once the held call is in flight. */
  reached: Promise<void>;
  /** Lets the held call go on. */
  release: () => void;
  /** The platform calls made, in order (a weight is shown with its call). */
  calls: string[];
}

export function holdAt(real: Platform, moment: Moment): HeldPlatform {
  let reachedResolve!: () => void;
  let releaseResolve!: () => void;
  const reached = new Promise<void>((r) => (reachedResolve = r));
  const released = new Promise<void>((r) => (releaseResolve = r));
  const calls: string[] = [];
  let held = false;
  const hold = async () => {
    held = true;
    reachedResolve();
    await released;
  };
  const platform = Object.fromEntries(
    (Object.keys(real) as Array<keyof Platform>).map((name) => [
      name,
      async (input: { weight?: number; metadata?: { environment?: string } }) => {
        calls.push(input.weight === undefined ? name : `${name} ${input.weight}`);
        const matches =
          !held &&
          name === moment.call &&
          (moment.weight === undefined || input.weight === moment.weight) &&
          (moment.environment === undefined || input.metadata?.environment === moment.environment);
        if (matches && moment.when === 'before') await hold();
        const result = await (real[name] as (i: unknown) => Promise<unknown>)(input);
        if (matches && moment.when === 'after') await hold();
        return result;
      },
    ]),
  ) as unknown as Platform;
  return { platform, reached, release: () => releaseResolve(), calls };
}
