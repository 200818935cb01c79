/**
 * A run under the worker's policy: it reads the rules that apply through the `loadPolicy` activity when it starts
 * (so its history records the policy version), is refused when one blocks it, and passes the policy's gates
 * before traffic moves: each approval the policy requires, then the deploy window, the last gate (runs started
 * before WINDOW_LAST_GATE asked the window first).
 */
import { ApplicationFailure, condition, proxyActivities } from '@temporalio/workflow';
import type { PolicyActivities } from '../activities/policy';
import type { AppliedPolicy, DeployWindow, PolicyBlock, WindowState } from '../plan/policy-types';
import type { Plan } from '../plan/schema';
import type { SignedGate } from './approval-signatures';
import { inForce } from './lean-history';
import { recordPolicyHold, recordPolicyRefusal } from './policy-metrics';
import type { Rollout } from './rollout';

const policy = proxyActivities<PolicyActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidPolicy'] },
});

/**
 * The patch of runs that decide whether they run under policies in their first workflow task, before the plan
 * check. Runs started before it ask the `policies` patch after the check, as they did then.
 */
export const POLICIES_FROM_START = 'policies-from-start';

/**
 * The patch of runs whose wait for the deploy window a pause interrupts: it shows Paused, and a run paused when
 * the window opens stays held until resume. Runs started before it slept through to the opening.
 */
export const WINDOW_WAIT_PAUSABLE = 'window-wait-pausable';

/**
 * The patch of runs whose deploy window is the last gate before traffic moves: asked after the policy's approvals,
 * never passed while closed (runs before it went on after ten asks), and asked again before the first traffic
 * change once the window seen open has closed (a long wait at a gate of the plan). Decided in the first workflow
 * task (deploymentWorkflow), never right after the local activity that reads the policy.
 */
export const WINDOW_LAST_GATE = 'window-last-gate';

/**
 * The patch of a release's targets that a freeze (and nothing else) refuses at their start: they hold in phase
 * Frozen before they change anything, and go on when it lifts, so a release reaching a frozen environment waits
 * instead of rolling its stage back. Targets started before it were refused, as a plan started by `deploy` is.
 */
export const RELEASE_TARGET_HOLDS_IN_FREEZE = 'release-target-holds-in-freeze';

/** Failure type of a run a policy rule refused; `glidepath deploy --follow` exits 4 on it. */
export const BLOCKED_BY_POLICY = 'BlockedByPolicy';

function blocked(plan: Plan, block: PolicyBlock, at: 'start' | 'window' = 'start'): ApplicationFailure {
  recordPolicyRefusal(plan, block.rule, at);
  return ApplicationFailure.create({
    message: `blocked by policy rule "${block.rule}": ${block.reason}`,
    type: BLOCKED_BY_POLICY,
    nonRetryable: true,
    category: 'BENIGN', // the policy working as designed, not a worker error
    details: [block],
  });
}

/** Reads the policies that apply, for runs started before the plan check read them too (see checkedRun). */
export async function readRunPolicy(plan: Plan, system: string | undefined): Promise<AppliedPolicy & { freezeVersion: number }> {
  return policy.loadPolicy.executeWithOptions({ summary: 'read the policies that apply' }, [{ plan, system, nowMs: Date.now() }]);
}

/**
 * Applies the policies read to the rollout; throws BlockedByPolicy (before anything changed) when a rule refuses the
 * run, except a freeze alone when `holdInFreeze` (a release's target: its freeze hold keeps it, see deployment.ts).
 */
export function applyRunPolicy(
  plan: Plan,
  applied: AppliedPolicy & { freezeVersion: number },
  rollout: Rollout,
  holdInFreeze = false,
): AppliedPolicy {
  rollout.update({ policy: { version: applied.version, rules: applied.rules } });
  rollout.freezeHold?.receive({ version: applied.freezeVersion, freezes: applied.emergency });
  rollout.freezeHold?.setScheduled(applied.freezes);
  rollout.approvalPolicy = { requestedBy: plan.metadata.requestedBy, fourEyesRule: applied.approvals.find((a) => a.fourEyes)?.rule };
  rollout.policyGatesPending = applied.approvals.length > 0;
  rollout.guardrails = applied.guardrails;
  rollout.signatures.run = signingRule(applied);
  if (applied.blocked && !(holdInFreeze && applied.frozenOnly)) {
    rollout.update({ message: `blocked by policy rule "${applied.blocked.rule}": ${applied.blocked.reason}` });
    throw blocked(plan, applied.blocked);
  }
  return applied;
}

/** The signing rule of every gate of the run; runs whose policy predates `signing` take it from their approval rules. */
function signingRule(applied: AppliedPolicy): SignedGate | undefined {
  if (applied.signing) return applied.signing;
  const signed = applied.approvals.filter((a) => a.signers);
  return signed.length ? { rule: signed[0].rule, signers: Object.assign({}, ...signed.map((a) => a.signers)) } : undefined;
}

/**
 * The policy's gates before traffic moves: the approvals, then the deploy window (wait for it, or be refused
 * outside it). `windowLast` (WINDOW_LAST_GATE): runs started before it asked the window first.
 */
export async function passPolicyGates(plan: Plan, applied: AppliedPolicy, rollout: Rollout, windowLast: boolean): Promise<void> {
  if (applied.window && !windowLast) await waitForWindow(plan, applied.window, rollout, false);
  for (const a of applied.approvals) {
    // Runs whose policy predates signed approvals have no `signers`: their gates stay as they were.
    rollout.signatures.gate = a.signers ? { rule: a.rule, signers: a.signers } : undefined;
    try {
      await rollout.approval({ approvers: a.approvers, timeout: a.timeout, onTimeout: 'abort' }, a.gate, {
        required: a.count,
        approvedBy: [],
        rule: a.rule,
        ...(a.signers ? { signed: true } : {}),
      });
    } finally {
      rollout.signatures.gate = undefined;
    }
  }
  rollout.policyGatesPending = false;
  if (applied.window && windowLast) await new WindowGate(plan, applied.window, rollout).pass();
}

/**
 * The deploy window as the last gate before traffic moves: passed after the approvals, and passed again before the
 * first traffic change (a weight, the switch, the promotion) when the opening it was seen open in has ended since:
 * a run that passed it Thursday 15:59 and then waited a day at an approval of its plan waits for the next opening.
 */
class WindowGate {
  /** When the opening the run passed in ends (ms); undefined when the answer did not say (an older worker's). */
  private openUntil?: number;

  constructor(
    private readonly plan: Plan,
    private readonly window: DeployWindow,
    private readonly rollout: Rollout,
  ) {}

  async pass(): Promise<void> {
    const state = await waitForWindow(this.plan, this.window, this.rollout, true);
    this.openUntil = state.closesAt ? Date.parse(state.closesAt) : undefined;
    this.rollout.beforeFirstTraffic = () => this.again();
  }

  /** No command while the opening lasts; after it, or when the answer did not say when it ends, asks again. */
  private async again(): Promise<void> {
    if (this.openUntil !== undefined && Date.now() < this.openUntil) return;
    await waitForWindow(this.plan, this.window, this.rollout, true);
  }
}

/**
 * Waits until the deploy window is open, on durable timers to the openings the activity names (or refuses the run
 * outside it, with `outside: refuse`); returns the answer that found it open. `failClosed`: asks until it is open;
 * runs before WINDOW_LAST_GATE went on after ten asks, open or not.
 */
async function waitForWindow(plan: Plan, window: DeployWindow, rollout: Rollout, failClosed: boolean): Promise<WindowState> {
  const started = Date.now();
  let waited = false;
  let pausable: boolean | undefined; // asked once the run first waits: older runs that never wait get no marker
  try {
    // The activity answers for the workflow's own time; a wait ends at the opening it named, then it asks again.
    for (let asked = 0; failClosed || asked < 10; asked++) {
      // A run paused while it waited stays here, past the opening, until resume; then it asks again.
      if (pausable) await rollout.holdWhilePaused();
      const state = await policy.deployWindow.executeWithOptions({ summary: 'deploy window' }, [{ window, nowMs: Date.now() }]);
      if (state.open || (!state.opensAt && !failClosed)) return state;
      if (window.outside === 'refuse' || !state.opensAt) {
        const reason = state.opensAt
          ? `outside the deploy window; it opens ${state.opensLabel}`
          : 'outside the deploy window, which never opens';
        throw blocked(plan, { rule: window.rule, reason }, failClosed ? 'window' : 'start');
      }
      waited = true;
      pausable ??= inForce(WINDOW_WAIT_PAUSABLE);
      await rollout.holdWhilePaused();
      rollout.setPhase('AwaitingWindow', `waiting for the deploy window, opens ${state.opensLabel}`);
      if (asked === 0) rollout.notifier?.send('held', `waiting for the deploy window of rule ${window.rule}; it opens ${state.opensLabel}`);
      const opensAt = Date.parse(state.opensAt);
      const summary = `deploy window opens ${state.opensLabel}`;
      if (!pausable) {
        await condition(() => false, Math.max(1, opensAt - Date.now()), { summary });
        continue;
      }
      // A pause wakes the wait to show Paused; after resume a new timer goes on to the same opening.
      while (Date.now() < opensAt && (await condition(() => rollout.requests.paused, opensAt - Date.now(), { summary })))
        await rollout.holdWhilePaused();
    }
    return { open: false }; // runs before WINDOW_LAST_GATE: on after ten asks
  } finally {
    // Counted however the wait ends: the window opening, or an abort (cancellation) while waiting.
    if (waited) recordPolicyHold(plan, 'window', Date.now() - started);
  }
}
