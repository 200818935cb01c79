/**
 * The policy's part of the approve/reject validators: four-eyes and distinct approvers. Synchronous, pure and
 * deterministic, over data the run got from the `loadPolicy` activity.
 */
import type { Gate } from './status';

export interface ApprovalPolicy {
  /** Who requested the run (the plan's metadata.requestedBy). */
  requestedBy?: string;
  /** The policy rule that forbids requesters to approve their own run, if one applies. */
  fourEyesRule?: string;
}

/** Why `by` may not give this answer at `gate`, and the rule that says so; undefined when the policy allows it. */
export function policyRefusal(
  gate: Gate,
  by: string,
  approved: boolean,
  policy: ApprovalPolicy | undefined,
): { rule: string; message: string } | undefined {
  if (!approved) return undefined; // anyone allowed at the gate may reject, the requester too
  // Runs that start without a requester are refused at start (policy-resolve.ts); one that got past (started before
  // that, or the policy read by an older worker) takes no approval rather than skip four-eyes.
  if (policy?.fourEyesRule && policy.requestedBy === undefined)
    return {
      rule: policy.fourEyesRule,
      message:
        `the requester of this run is unknown (it started without metadata.requestedBy), so four-eyes ` +
        `(policy rule "${policy.fourEyesRule}") ` +
        `cannot tell whether ${by} requested it: no approval is taken; abort it and start it with glidepath deploy`,
    };
  if (policy?.fourEyesRule && policy.requestedBy !== undefined && by === policy.requestedBy)
    return {
      rule: policy.fourEyesRule,
      message: `${by} requested this run and cannot approve it (four-eyes, policy rule "${policy.fourEyesRule}"); ask another approver`,
    };
  if (gate.required && gate.approvedBy?.includes(by)) {
    const missing = gate.required - gate.approvedBy.length;
    return {
      rule: gate.rule ?? gate.name,
      message:
        `${by} already approved "${gate.name}"; it needs ${missing} more distinct ` +
        `approver${missing === 1 ? '' : 's'}${gate.approvers?.length ? ` of ${gate.approvers.join(', ')}` : ''}`,
    };
  }
  return undefined;
}
