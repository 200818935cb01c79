/**
 * How a deployment upserts its search attributes. Runs with the lean-history patch (lean-history.ts) upsert every
 * attribute changed in one activation together (a step's weight and the next phase, say): the first change queues
 * the upsert after the code now running, as a microtask, still inside this activation. Runs started before it
 * upsert each change at once, as they did (replay expects the same commands). Workflow code.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';
import { LEAN_HISTORY, inForce } from './lean-history';

export class AttributeUpserts {
  /** Asked when the run's state is built, in its first workflow task. */
  readonly together = inForce(LEAN_HISTORY);
  private readonly changed = new Map<string, SearchAttributeUpdatePair>();
  private queued = false;

  /** `now: false`: keep the change for the next upsert instead of queueing one. */
  upsert(pair: SearchAttributeUpdatePair, now = true): void {
    if (!this.together) {
      upsertSearchAttributes([pair]);
      return;
    }
    this.changed.set(pair.key.name, pair);
    if (!now || this.queued) return;
    this.queued = true;
    void Promise.resolve().then(() => {
      this.queued = false;
      upsertSearchAttributes([...this.changed.values()]);
      this.changed.clear();
    });
  }
}
