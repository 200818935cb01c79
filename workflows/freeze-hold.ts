/**
 * How a deployment obeys freezes: it keeps the latest broadcast of the freeze workflow (signal `freezes`) and the
 * scheduled freezes of its policy, and at each step boundary holds while one covers it: traffic stays where it
 * is, soak clocks stop, and abort (which cancels the forward scope) still rolls back.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { freezeCovers } from '../plan/policy-glob';
import type { EmergencyFreeze, ScheduledFreeze } from '../plan/policy-types';
import { type FreezeBroadcast, freezeDescriptions, freezeScope, freezesSignal } from './freeze-messages';
import { inForce } from './lean-history';
import { recordPolicyHold } from './policy-metrics';
import type { Rollout } from './rollout';

/**
 * The patch of runs whose soak timer ends where a scheduled freeze starts, so the freeze stops the soak's clock
 * at once. Runs started before it let the soak's timer run through the freeze and held at the next step.
 */
export const SOAK_STOPS_AT_SCHEDULED_FREEZE = 'soak-stops-at-scheduled-freeze';

export class FreezeHold {
  private version = -1;
  private emergency: EmergencyFreeze[] = [];
  /** From the run's policy (set once it is read, with `setScheduled`). */
  private scheduled: ScheduledFreeze[] = [];
  /** A soak's timer stops at the next scheduled freeze (runs with SOAK_STOPS_AT_SCHEDULED_FREEZE). */
  private soakStopsAtScheduled = false;
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

  /**
   * Keeps the policy's scheduled freezes. Call right after the policy's (normal) activity: the patch is asked
   * there, and only by runs that have scheduled freezes, so other runs get no marker.
   */
  setScheduled(freezes: ScheduledFreeze[]): void {
    this.scheduled = freezes;
    this.soakStopsAtScheduled = freezes.some((f) => Date.parse(f.to) > Date.now()) && inForce(SOAK_STOPS_AT_SCHEDULED_FREEZE);
  }

  /** The scheduled freeze that starts first within the next `ms`, where a soak's timer must stop (see Rollout.soak). */
  startingWithin(ms: number): ScheduledFreeze | undefined {
    if (!this.soakStopsAtScheduled) return undefined;
    const now = Date.now();
    const starts = (f: ScheduledFreeze) => Date.parse(f.from);
    return this.scheduled.filter((f) => now < starts(f) && starts(f) < now + ms).sort((a, b) => starts(a) - starts(b))[0];
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
          `held by the freeze of ${scope}: ${emergency.reason}; traffic stays at ${rollout.status.weight}% until ` +
            `\`glidepath unfreeze --env ${emergency.environment}${emergency.service ? ` --service ${emergency.service}` : ''}\``,
        );
        this.notify(
          `${scope} ${emergency.at}`,
          `frozen at ${rollout.status.weight}% traffic by ${emergency.by} (${scope}): ${emergency.reason}`,
          { by: emergency.by, reason: emergency.reason },
        );
        await condition(() => this.emergencyFreeze !== emergency);
      } else if (scheduled) {
        rollout.update({
          frozen: {
            scope: `policy rule ${scheduled.rule}`,
            by: 'policy',
            reason: scheduled.reason,
            since: scheduled.from,
            until: scheduled.to,
          },
        });
        rollout.setPhase(
          'Frozen',
          `frozen until ${scheduled.to} by the scheduled freeze ` +
            `of rule ${scheduled.rule}: ${scheduled.reason}; traffic stays at ${rollout.status.weight}%`,
        );
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
