/**
 * Which rules of the policy apply to a run, and whether one refuses it: the same answer for `validate`,
 * `deploy` and `release` up front, and for the `loadPolicy` activity when the run starts. Worker and CLI only
 * (the window check uses Intl).
 */
import type { LoadedPolicy } from './policy-load';
import { freezeCovers, globMatches } from './policy-glob';
import { NOTIFICATION_EVENTS } from './notifications';
import type { AppliedPolicy, EmergencyFreeze, Guardrails, PolicyBlock, PolicyMatch, SignerKey } from './policy-types';
import { describeWindow, windowState } from './policy-window';
import type { Plan } from './schema';
import { parseSshPublicKey } from './ssh-public-key';

export interface PolicySubject {
  service: string;
  environment: string;
  system?: string;
}

export function applicablePolicy(
  loaded: LoadedPolicy | undefined,
  subject: PolicySubject,
  plan: Plan | undefined,
  nowMs: number,
  emergency: EmergencyFreeze[] = [],
): AppliedPolicy {
  const matches = (match: PolicyMatch) =>
    globMatches(match.service, subject.service) &&
    globMatches(match.environment, subject.environment) &&
    (match.system === undefined || globMatches(match.system, subject.system));
  const rules = (loaded?.policy.rules ?? []).filter((r) => matches(r.match));
  const groups = loaded?.policy.groups ?? {};
  const applied: AppliedPolicy = {
    version: loaded?.version ?? 'none',
    rules: rules.map((r) => r.name),
    approvals: rules.flatMap((r) =>
      r.approvals
        ? [
            {
              rule: r.name,
              gate: r.approvals.gate ?? `policy:${r.name}`,
              count: r.approvals.count,
              groups: r.approvals.from,
              approvers: membersOf(r.approvals.from, groups),
              fourEyes: r.approvals.fourEyes,
              timeout: r.approvals.timeout,
              ...(r.approvals.requireSignature
                ? { signers: signerKeys(membersOf(r.approvals.from, groups), loaded?.policy.signers ?? {}) }
                : {}),
            },
          ]
        : [],
    ),
    freezes: rules.flatMap((r) => r.freezes.map((f) => ({ rule: r.name, ...f }))),
    guardrails: rules.flatMap((r) => (r.guardrails ? [{ rule: r.name, ...r.guardrails }] : [])),
    emergency: emergency.filter((f) => freezeCovers(f, subject.service, subject.environment)),
    notifications: (loaded?.policy.notifications ?? [])
      .filter((n) => matches(n.match))
      .map(({ match: _, events, ...sink }) => ({ ...sink, events: events ?? [...NOTIFICATION_EVENTS] })),
  };
  // Every gate of the run takes only signed answers; the plan's approvers need not be in the rule's groups.
  const signingRule = rules.find((r) => r.approvals?.requireSignature);
  if (signingRule) {
    const signers = loaded?.policy.signers ?? {};
    applied.signing = { rule: signingRule.name, signers: signerKeys(Object.keys(signers), signers) };
  }
  const windowRule = rules.find((r) => r.window);
  if (windowRule?.window) applied.window = { rule: windowRule.name, ...windowRule.window };
  applied.blocked = blockingRule(applied, plan, nowMs);
  if (applied.blocked && !blockingRule({ ...applied, emergency: [], freezes: [] }, plan, nowMs)) applied.frozenOnly = true;
  return applied;
}

function membersOf(from: string[], groups: Record<string, string[]>): string[] {
  return [...new Set(from.flatMap((g) => groups[g] ?? []))];
}

/** The public keys of these people, as the workflow verifies them (the schema checked each line). */
function signerKeys(approvers: string[], signers: Record<string, string[]>): Record<string, SignerKey[]> {
  return Object.fromEntries(
    approvers.map((person) => [
      person,
      (signers[person] ?? []).flatMap((line) => {
        const parsed = parseSshPublicKey(line);
        return 'problem' in parsed ? [] : [parsed];
      }),
    ]),
  );
}

/** The first rule that refuses a run starting at `nowMs`, or undefined. */
export function blockingRule(applied: AppliedPolicy, plan: Plan | undefined, nowMs: number): PolicyBlock | undefined {
  const frozen = applied.emergency[0];
  if (frozen) {
    const scope = `${frozen.environment}${frozen.service ? `/${frozen.service}` : ''}`;
    return { rule: `freeze ${scope}`, reason: `emergency freeze of ${scope} by ${frozen.by} since ${frozen.at}: ${frozen.reason}` };
  }
  const scheduled = applied.freezes.find((f) => Date.parse(f.from) <= nowMs && nowMs < Date.parse(f.to));
  if (scheduled) return { rule: scheduled.rule, reason: `frozen from ${scheduled.from} to ${scheduled.to}: ${scheduled.reason}` };
  if (plan) {
    for (const g of applied.guardrails) {
      const broken = guardrailBroken(g, plan);
      if (broken) return { rule: g.rule, reason: broken };
    }
    // Four-eyes refuses the requester's own approval: with no requester it could refuse no one.
    const fourEyes = applied.approvals.find((a) => a.fourEyes);
    if (fourEyes && !plan.metadata.requestedBy)
      return {
        rule: fourEyes.rule,
        reason:
          'the requester is unknown (the plan has no metadata.requestedBy, as a start from the Web UI or a raw client), and four-eyes ' +
          'must know whose approval to refuse; start it with glidepath deploy or release (the requester is who ' +
          'runs it), or set metadata.requestedBy',
      };
  }
  if (applied.window?.outside === 'refuse') {
    const state = windowState(applied.window, nowMs);
    if (!state.open)
      return {
        rule: applied.window.rule,
        reason: `outside the deploy window (${describeWindow(applied.window)}); it opens ${state.opensLabel ?? 'never'}`,
      };
  }
  return undefined;
}

function guardrailBroken(g: Guardrails, plan: Plan): string | undefined {
  const strategy = plan.strategy;
  const steps = strategy.type === 'canary' ? strategy.steps : [...strategy.prePromotion, ...strategy.postPromotion];
  if (g.requireAnalysis && !steps.some((s) => s.analysis))
    return `${plan.metadata.environment} needs at least one analysis step; add one, e.g. - analysis: { preset: … }`;
  if (g.maxFirstWeight !== undefined && strategy.type === 'canary') {
    const first = strategy.steps.find((s) => s.setWeight !== undefined)?.setWeight ?? 100;
    if (first > g.maxFirstWeight)
      return `the first canary weight is ${first}%, at most ${g.maxFirstWeight}% here; start with - setWeight: ${g.maxFirstWeight}`;
  }
  return undefined;
}
