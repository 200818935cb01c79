/**
 * The release a run was started with, checked by the `checkRelease` activity (the release and plan schemas are
 * zod, kept out of workflow code). Runs started before that check moved out of workflow code were checked in it,
 * so their input is valid: their stages are rebuilt here by hand, as they were planned then.
 */
import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import type { CheckedRelease } from '../activities/types';
import type { Release } from '../plan/release-schema';
import { planStages } from '../plan/release-stages';
import type { Plan } from '../plan/schema';
import { checks } from './activities';

export async function checkedRelease(input: Release): Promise<CheckedRelease> {
  if (!patched('release-checked-by-activity')) {
    const release = withReleaseDefaults(input);
    return { release, stages: planStages(release, ({ doc }) => doc as Plan) };
  }
  try {
    return await checks.checkRelease.executeWithOptions({ summary: 'check the release' }, [input]);
  } catch (err) {
    // The run fails with the check's own InvalidRelease failure, whose message names every field to fix.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}

/** The release schema's defaults, for input that was already checked (the CLI sends releases with them filled in). */
function withReleaseDefaults(release: Release): Release {
  return {
    ...release,
    components: Object.fromEntries(Object.entries(release.components).map(([name, c]) => [name, { ...c, after: c.after ?? [] }])),
    stages: release.stages.map((s) => ({ ...s, waves: s.waves ?? [], onFailure: s.onFailure ?? 'rollBack' })),
  };
}
