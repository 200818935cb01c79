/** A stack of undo actions: each change that moves the rollout forward pushes how to take it back. */
import { log } from '@temporalio/workflow';

export interface Compensation {
  description: string;
  run: () => Promise<void>;
}

export interface UnwindHooks {
  /** Called before each undo step runs (again on each retry). */
  onEach: (description: string) => void;
  /** Called when a step failed past its retries; the step runs again once this returns. */
  whenStuck: (description: string, err: unknown) => Promise<void>;
}

export class Compensations {
  private stack: Compensation[] = [];

  push(description: string, run: () => Promise<void>): void {
    this.stack.push({ description, run });
  }

  /** Forget everything: the rollout is past the point where it can be undone. */
  clear(): void {
    this.stack = [];
  }

  /**
   * Runs the undo actions newest first. A step leaves the stack only once it succeeded, so a failure never skips
   * it or the steps below it (e.g. the down-migration): the unwind ends only when everything was undone.
   */
  async unwind({ onEach, whenStuck }: UnwindHooks): Promise<void> {
    while (this.stack.length > 0) {
      const next = this.stack[this.stack.length - 1];
      onEach(next.description);
      log.info('compensating', { step: next.description });
      try {
        await next.run();
        this.stack.pop();
      } catch (err) {
        await whenStuck(next.description, err);
      }
    }
  }
}
