/**
 * How a deployment obeys freezes: it keeps the latest broadcast of the freeze workflow (signal `freezes`) and the
 * scheduled freezes of its policy, and at each step boundary holds while one covers it: traffic stays where it
 * is, soak clocks stop, and abort (which cancels the forward scope) still rolls back.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { freezeCovers } from '../plan/policy-glob';
import type { EmergencyFreeze, ScheduledFreeze } from '../plan/policy-types';
import { type FreezeBroadcast, freezeDescriptions, freezeScope, freezesSignal } from './freeze-messages';
import { recordPolicyHold } from './policy-metrics';
import type { Rollout } from './rollout';

export class FreezeHold {
  private version = -1;
  private emergency: EmergencyFreeze[] = [];
  /** From the run's policy (set once it is read). */
  scheduled: ScheduledFreeze[] = [];
  /** The freeze the sinks were told about in the current hold. */
  private notified?: string;

  constructor(private readonly rollout: Rollout) {}

  listen(): void {
    setHandler(freezesSignal, (broadcast) => this.receive(broadcast), { description: freezeDescriptions.broadcast });
  }

  /** Keeps a newer list of emergency freezes (older or malformed ones are dropped). */
  receive(broadcast: FreezeBroadcast): void {
    if (typeof broadcast?.version !== 'number' || !Array.isArray(broadcast.freezes) || broadcast.version <= this.version) return;
    const { service, environment } = this.rollout.plan.metadata;
    this.version = broadcast.version;
    this.emergency = broadcast.freezes.filter((f) => freezeCovers(f, service, environment));
  }

  /** The emergency freeze that covers this run now, if any. */
  get emergencyFreeze(): EmergencyFreeze | undefined {
    return this.emergency[0];
  }

  private scheduledNow(): ScheduledFreeze | undefined {
    const now = Date.now();
    return this.scheduled.find((f) => Date.parse(f.from) <= now && now < Date.parse(f.to));
  }

  get frozen(): boolean {
    return this.emergencyFreeze !== undefined || this.scheduledNow() !== undefined;
  }

  /** Holds until no freeze covers the run; call at a step boundary. */
  async hold(): Promise<void> {
    const { rollout } = this;
    const previous = { phase: rollout.status.phase, message: rollout.status.message };
    const started = Date.now();
    // Counted however the hold ends: the freeze lifting, or an abort (cancellation) while held.
    try {
      await this.waitWhileFrozen();
    } finally {
      recordPolicyHold(rollout.plan, 'freeze', Date.now() - started);
    }
    rollout.update({ frozen: undefined });
    rollout.setPhase(previous.phase, previous.message);
    this.notified = undefined;
  }

  private async waitWhileFrozen(): Promise<void> {
    const { rollout } = this;
    for (;;) {
      const emergency = this.emergencyFreeze;
      const scheduled = this.scheduledNow();
      if (emergency) {
        const scope = freezeScope(emergency);
        rollout.update({ frozen: { scope, by: emergency.by, reason: emergency.reason, since: emergency.at } });
        rollout.setPhase(
          'Frozen',
          `held by the freeze of ${scope}: ${emergency.reason}; traffic stays at ${rollout.status.weight}% until \`glidepath unfreeze --env ${emergency.environment}${emergency.service ? ` --service ${emergency.service}` : ''}\``,
        );
        this.notify(
          `${scope} ${emergency.at}`,
          `frozen at ${rollout.status.weight}% traffic by ${emergency.by} (${scope}): ${emergency.reason}`,
          { by: emergency.by, reason: emergency.reason },
        );
        await condition(() => this.emergencyFreeze !== emergency);
      } else if (scheduled) {
        rollout.update({
          frozen: { scope: `policy rule ${scheduled.rule}`, by: 'policy', reason: scheduled.reason, since: scheduled.from },
        });
        rollout.setPhase('Frozen', `held by the scheduled freeze of rule ${scheduled.rule} until ${scheduled.to}: ${scheduled.reason}`);
        this.notify(
          `${scheduled.rule} ${scheduled.from}`,
          `frozen at ${rollout.status.weight}% traffic until ${scheduled.to} by policy rule ${scheduled.rule}: ${scheduled.reason}`,
          { by: 'policy', reason: scheduled.reason },
        );
        await condition(() => this.emergencyFreeze !== undefined, Date.parse(scheduled.to) - Date.now(), {
          summary: `frozen until ${scheduled.to}`,
        });
      } else break;
    }
  }

  /** One `frozen` notification per freeze that holds the run (a newer broadcast of the same freeze is not news). */
  private notify(freeze: string, text: string, details: { by: string; reason: string }): void {
    if (freeze === this.notified) return;
    this.notified = freeze;
    this.rollout.notifier?.send('frozen', text, details);
  }
}
