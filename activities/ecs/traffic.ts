/**
 * Traffic between the two target groups: the weighted forward action of the production listener (or of one
 * of its rules), and the test listener of blue-green. Only the forward action is rewritten; any other action
 * (authentication, for instance) and the stickiness settings are kept as they are. The forward must list the
 * plan's two target groups; it is rewritten to list exactly those two.
 */
import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApplicationFailure } from '@temporalio/common';

/** Where traffic is split: a listener's default actions, or one rule's actions. */
export interface TrafficPoint {
  listenerArn: string;
  ruleArn?: string;
}

/** Percent of traffic per target group ARN. */
export type Weights = Record<string, number>;

async function readActions(elbv2: ElasticLoadBalancingV2Client, point: TrafficPoint): Promise<Action[]> {
  if (point.ruleArn) {
    const rule = (await elbv2.send(new DescribeRulesCommand({ RuleArns: [point.ruleArn] }))).Rules?.[0];
    if (!rule) throw ApplicationFailure.nonRetryable(`listener rule ${point.ruleArn} not found`, 'NotFound');
    return rule.Actions ?? [];
  }
  const listener = (await elbv2.send(new DescribeListenersCommand({ ListenerArns: [point.listenerArn] }))).Listeners?.[0];
  if (!listener) throw ApplicationFailure.nonRetryable(`listener ${point.listenerArn} not found`, 'NotFound');
  return listener.DefaultActions ?? [];
}

/** How the forward action splits traffic today, in percent (a plain forward is 100% to its group). */
export async function readWeights(elbv2: ElasticLoadBalancingV2Client, point: TrafficPoint): Promise<Weights> {
  return weightsOf(await readActions(elbv2, point), point);
}

function weightsOf(actions: Action[], point: TrafficPoint): Weights {
  const forward = actions.find((a) => a.Type === 'forward');
  if (!forward) {
    throw ApplicationFailure.nonRetryable(`${describePoint(point)} has no forward action to split between target groups`, 'InvalidPlan');
  }
  const groups = forward.ForwardConfig?.TargetGroups;
  if (!groups?.length) return forward.TargetGroupArn ? { [forward.TargetGroupArn]: 100 } : {};
  // A group listed without a weight counts as weight 1, as the ALB does.
  const total = groups.reduce((sum, g) => sum + (g.Weight ?? 1), 0);
  return Object.fromEntries(groups.map((g) => [g.TargetGroupArn!, total === 0 ? 0 : ((g.Weight ?? 1) * 100) / total]));
}

/** Rewrites the forward action to exactly these weights (percent; both groups stay listed, idle at 0). */
export async function setWeights(elbv2: ElasticLoadBalancingV2Client, point: TrafficPoint, weights: Weights): Promise<void> {
  const actions = await readActions(elbv2, point);
  if (sameWeights(weightsOf(actions, point), weights)) return; // already there: a retried call changes nothing
  const updated = actions.map((a) => (a.Type === 'forward' ? weightedForward(a, weights) : a)).map(writable);
  if (point.ruleArn) await elbv2.send(new ModifyRuleCommand({ RuleArn: point.ruleArn, Actions: updated }));
  else await elbv2.send(new ModifyListenerCommand({ ListenerArn: point.listenerArn, DefaultActions: updated }));
}

function weightedForward(action: Action, weights: Weights): Action {
  return {
    Type: 'forward',
    Order: action.Order,
    ForwardConfig: {
      TargetGroups: Object.entries(weights).map(([arn, weight]) => ({ TargetGroupArn: arn, Weight: Math.round(weight) })),
      TargetGroupStickinessConfig: action.ForwardConfig?.TargetGroupStickinessConfig,
    },
  };
}

/** DescribeListeners never returns an OIDC client secret; writing the action back must say to keep the stored one. */
function writable(action: Action): Action {
  if (action.Type !== 'authenticate-oidc' || !action.AuthenticateOidcConfig) return action;
  return { ...action, AuthenticateOidcConfig: { ...action.AuthenticateOidcConfig, UseExistingClientSecret: true } };
}

function sameWeights(a: Weights, b: Weights): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => Math.round(a[key] ?? 0) === Math.round(b[key] ?? 0));
}

/** `weight`% to `to`, the rest to `from`. */
export function split(from: string, to: string, weight: number): Weights {
  const percent = Math.max(0, Math.min(100, Math.round(weight)));
  return { [from]: 100 - percent, [to]: percent };
}

export function describePoint(point: TrafficPoint): string {
  return point.ruleArn ? `listener rule ${point.ruleArn}` : `listener ${point.listenerArn}`;
}
