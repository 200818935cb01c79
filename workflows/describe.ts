/** One-line descriptions of plans and steps, for summaries, status lines and the Web UI. Pure. */
import { formatDuration, durationMs } from '../plan/duration';
import type { Plan, Step } from '../plan/schema';
import type { MigrationTask, Target } from '../plan/targets';

export function describeTarget(target: Target): string {
  switch (target.type) {
    case 'lambda':
      return `lambda ${target.functionName}:${target.alias}`;
    case 'ecs':
      return `ecs ${target.cluster}/${target.service}${target.deployment === 'rolling' ? ' (rolling)' : ''}`;
    case 'kubernetes':
      return `kubernetes ${target.namespace}/${target.deployment} ${kubernetesTraffic(target)}`;
  }
}

/** How traffic moves on a Kubernetes target, as the status says it. */
function kubernetesTraffic(target: Extract<Target, { type: 'kubernetes' }>): string {
  const route = target.traffic && 'gatewayRoute' in target.traffic ? target.traffic.gatewayRoute : undefined;
  if (route) return `(HTTPRoute ${route.namespace ?? target.namespace}/${route.name} weights)`;
  if (target.blueGreen && !target.traffic) return `(Service ${target.blueGreen.activeService} selector)`;
  return '(replica ratio)';
}

/** What a migration runs, e.g. `lambda db-migrate` or `ecs task payments-migrate`. */
export function describeMigrationTask(task: MigrationTask): string {
  switch (task.type) {
    case 'lambda':
      return `lambda ${task.functionName}`;
    case 'ecs':
      return `ecs task ${task.taskDefinition}`;
    case 'kubernetes':
      return `kubernetes job in ${task.namespace} (${task.image})`;
  }
}

export function strategyLabel(plan: Plan): string {
  return plan.migration ? `migration+${plan.strategy.type}` : plan.strategy.type;
}

export function describeStep(step: Step): string {
  if (step.setWeight !== undefined) return `set traffic to ${step.setWeight}%`;
  if (step.pause) return step.pause.duration ? `soak for ${formatDuration(durationMs(step.pause.duration))}` : 'pause until promoted';
  if (step.approval) {
    const who = step.approval.approvers?.length ? ` by ${step.approval.approvers.join(' or ')}` : '';
    return `approval${step.approval.name ? ` "${step.approval.name}"` : ''}${who}`;
  }
  if (step.analysis) {
    const what = `analysis${step.analysis.name ? ` "${step.analysis.name}"` : ''} (${step.analysis.metrics.map((m) => m.name).join(', ')})`;
    return step.analysis.background ? `start ${what} in the background` : what;
  }
  return 'step';
}

/** The single-line summary shown in the Web UI's run list (≤ 200 bytes). */
export function planSummary(plan: Plan): string {
  const m = plan.metadata;
  return `${strategyLabel(plan)} ${m.service} → ${m.environment} @ ${m.release} (${describeTarget(plan.target)})`.slice(0, 200);
}

/** Markdown with the whole plan, shown as the run's static details in the Web UI. */
export function planDetails(plan: Plan): string {
  const m = plan.metadata;
  const lines = [
    `**Service:** ${m.service} · **Environment:** ${m.environment} · ` +
      `**Release:** ${m.release}${m.requestedBy ? ` · **Requested by:** ${m.requestedBy}` : ''}`,
    `**Target:** ${describeTarget(plan.target)}`,
  ];
  if (plan.migration) {
    lines.push(
      `**Migration:** ${describeMigrationTask(plan.migration.run)}` +
        (plan.migration.down ? ' (with down-migration)' : ' (no down-migration: a rollback keeps it applied)'),
    );
  }
  if (plan.strategy.type === 'canary') {
    lines.push('**Canary steps:**', ...plan.strategy.steps.map((s, i) => `${i + 1}. ${describeStep(s)}`));
  } else {
    const bg = plan.strategy;
    lines.push('**Blue-green:** deploy beside the current version, expose it on preview');
    bg.prePromotion.forEach((s, i) => lines.push(`${i + 1}. before switch: ${describeStep(s)}`));
    lines.push(`- switch all traffic`);
    bg.postPromotion.forEach((s, i) => lines.push(`${i + 1}. after switch: ${describeStep(s)}`));
    lines.push(`- keep the previous version for ${formatDuration(durationMs(bg.scaleDownDelay))}, then remove it`);
  }
  return lines.join('\n');
}
