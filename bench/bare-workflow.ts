/**
 * The baseline of `npm run bench`: bare Temporal workflows making the same platform calls as a Glidepath plan, with
 * none of its status, gates, compensations, validation or search attributes. Bundled on its own by the bench.
 */
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Candidate, Platform } from '../activities/types';
import type { Metadata } from '../plan/schema';
import type { Target } from '../plan/targets';

const calls = proxyActivities<Platform>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 8 },
});

export const bareAbort = defineSignal('abort');
export const bareApprove = defineSignal('approve');

export interface BareInput {
  target: Target;
  metadata: Metadata;
  /** Weights set one after another, then promote and retire, as a canary without gates. */
  weights: number[];
  /** Wait for `approve` (then set the weight after it) or `abort` (then roll back) after the first weight. */
  gate?: { approvedWeight: number };
}

export async function bareCanary({ target, metadata, weights, gate }: BareInput): Promise<string> {
  let aborted = false;
  let approved = false;
  setHandler(bareAbort, () => void (aborted = true));
  setHandler(bareApprove, () => void (approved = true));
  const candidate: Candidate = await calls.deployCandidate({ target, metadata, strategy: 'canary' });
  await calls.waitCandidateReady({ target, metadata, candidate });
  for (const weight of weights) await calls.setTrafficWeight({ target, metadata, candidate, weight });
  if (gate) {
    await condition(() => aborted || approved);
    if (aborted) {
      await calls.rollBack({ target, metadata, candidate });
      return 'rolled back';
    }
    await calls.setTrafficWeight({ target, metadata, candidate, weight: gate.approvedWeight });
  }
  await calls.promoteCandidate({ target, metadata, candidate });
  await calls.retirePrevious({ target, metadata, candidate });
  return 'promoted';
}
