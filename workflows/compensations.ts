/** A stack of undo actions: each change that moves the rollout forward pushes how to take it back. */
import { log } from '@temporalio/workflow';

export interface Compensation {
  description: string;
  run: () => Promise<void>;
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

  get size(): number {
    return this.stack.length;
  }

  /** Runs the undo actions newest first. Each is an activity that retries until it succeeds. */
  async unwind(onEach: (description: string) => void): Promise<void> {
    while (this.stack.length > 0) {
      const next = this.stack.pop()!;
      onEach(next.description);
      log.info('compensating', { step: next.description });
      await next.run();
    }
  }
}
