/**
 * The rules of a release's migrations. A stage runs at most one migration, before its traffic moves, and each
 * stage's is the component's unless a target of the stage overrides it (plan/release-stages.ts `stageMigrations`).
 * A migration task is not told its stage: two stages running the same task would migrate one database twice
 * (the first stage's) and the later stage's never, so that is refused. Pure; runs in the release schema's refinement.
 */
import type { ReleaseShape, RuleIssue } from './release-rules';
import { stageMigrations } from './release-stages';

/** Fields that change how a task runs, not what it migrates: two tasks that differ only in them are the same task. */
const HOW_IT_RUNS = new Set(['timeout', 'backoffLimit']);

/** The field a stage's override most likely changes to reach its own database, by migration type. */
const WHERE_IT_MIGRATES: Record<string, string> = { lambda: 'functionName', ecs: 'taskDefinition', kubernetes: 'namespace' };

export function checkMigrations(release: ReleaseShape): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const earlier = new Map<string, string>();
  release.stages.forEach((stage, i) => {
    const brought = stageMigrations(release.components, stage.targets);
    const distinct = new Map<string, string>();
    for (const { entry, migration } of brought) {
      // Two components each bring their own, even if written alike: the stage would run one and drop the other.
      const key = `${entry.component} ${canonical(migration)}`;
      if (!distinct.has(key)) distinct.set(key, entry.name ?? entry.component);
    }
    if (distinct.size > 1) {
      issues.push({
        path: ['stages', i, 'targets'],
        message:
          `more than one migration ` +
          `in stage ${stage.name} (${[...distinct.values()].join(', ')}); at most one runs before the stage's ` +
          `traffic: combine them into one migration task, set migration: null on the targets that should not ` +
          `migrate, or deploy one component in another stage`,
      });
      return;
    }
    const first = brought[0];
    if (!first) return;
    const task = first.migration.run;
    const key = canonical(Object.fromEntries(Object.entries(task).filter(([field]) => !HOW_IT_RUNS.has(field))));
    const before = earlier.get(key);
    if (before === undefined) {
      earlier.set(key, stage.name);
      return;
    }
    const field = WHERE_IT_MIGRATES[String(task.type)] ?? 'functionName';
    issues.push({
      path: ['stages', i, 'targets', first.index, ...(first.entry.migration ? ['migration'] : [])],
      message:
        `stage ${stage.name} would run the same migration task as stage ${before} (${describeTask(task)}): a task is not told its stage, ` +
        `so it would migrate ${before}'s database again and ${stage.name}'s never; give this target ${stage.name}'s own migration ` +
        `(its fields replace the component's, e.g. migration: { run: { ${field}: … } }), or migration: null ` +
        `if stage ${before} migrates the database ${stage.name} uses`,
    });
  });
  return issues;
}

function describeTask(task: Record<string, unknown>): string {
  if (task.type === 'lambda') return `lambda ${task.functionName}`;
  if (task.type === 'ecs') return `ecs task ${task.taskDefinition} on cluster ${task.cluster}`;
  if (task.type === 'kubernetes') return `kubernetes Job in ${task.namespace} (${task.image})`;
  return String(task.type);
}

/** JSON with every object's keys sorted, so a stage's fields in another order still compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
