/**
 * The rules of a release file that span fields: every message names what is wrong and what to write instead.
 * Pure; runs inside the release schema's refinement.
 */
import { TEMPLATE_PATTERN } from './analysis';
import { checkMigrations } from './release-migrations';
import { checkWaveOrder } from './release-wave-order';
import type { StageTarget } from './release-schema';
import type { Target, TargetType } from './targets';

export interface RuleIssue {
  path: (string | number)[];
  message: string;
}

/** The shape the rules read (the release schema's output, before its own refinement). */
export interface ReleaseShape {
  components: Record<string, { service: string; target: Record<string, unknown> & { type: string }; migration?: unknown; after: string[] }>;
  stages: Array<{
    name: string;
    environment?: string;
    targets: Array<{
      component: string;
      name?: string;
      environment?: string;
      target?: Record<string, unknown>;
      migration?: StageTarget['migration'];
    }>;
    waves: Array<{ targets: string[] } | { percent: number }>;
    gate?: { analysis?: { background: boolean; metrics: Array<{ name: string; provider: unknown }> } };
  }>;
}

/** What a gate's analysis templates may use: the stage is promoted, so no canary and stable version to compare. */
const GATE_VARIABLES = ['environment', 'release', 'service'];

export function checkReleaseRules(release: ReleaseShape): RuleIssue[] {
  return [
    ...checkDependencies(release),
    ...release.stages.flatMap((_stage, i) => checkStage(release, i)),
    ...checkMigrations(release),
    ...checkUniqueness(release),
  ];
}

function checkDependencies({ components }: ReleaseShape): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const names = Object.keys(components);
  for (const [component, { after }] of Object.entries(components)) {
    after.forEach((dep, i) => {
      if (dep === component)
        issues.push({ path: ['components', component, 'after', i], message: `${component} cannot wait for itself; remove it from after` });
      else if (!components[dep])
        issues.push({
          path: ['components', component, 'after', i],
          message: `unknown component "${dep}"; components are: ${names.join(', ')}`,
        });
    });
  }
  const cycle = findCycle(components);
  if (cycle) {
    issues.push({
      path: ['components', cycle[0], 'after'],
      message: `dependency cycle: ${cycle.join(' → ')}; remove one of these after: entries so one component can go first`,
    });
  }
  return issues;
}

/** The first cycle in the `after:` graph, as a path that starts and ends with the same component. */
export function findCycle(components: ReleaseShape['components']): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    for (const dep of components[node]?.after ?? []) {
      if (dep === node || !components[dep]) continue;
      const found = visit(dep, [...path, node]);
      if (found) return found;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of Object.keys(components)) {
    const found = visit(node, []);
    if (found) return found;
  }
  return undefined;
}

function checkStage(release: ReleaseShape, index: number): RuleIssue[] {
  const stage = release.stages[index];
  const at = (...rest: (string | number)[]) => ['stages', index, ...rest];
  const issues: RuleIssue[] = [];
  const known = Object.keys(release.components);
  const targetNames = new Map<string, number>();
  stage.targets.forEach((t, j) => {
    if (!release.components[t.component]) {
      issues.push({
        path: at('targets', j, 'component'),
        message: `unknown component "${t.component}"; components are: ${known.join(', ')}`,
      });
    }
    const targetName = t.name ?? t.component;
    if (targetNames.has(targetName)) {
      issues.push({
        path: at('targets', j, 'name'),
        message:
          `target "${targetName}" is already targets[${targetNames.get(targetName)}] of ` +
          `stage ${stage.name}; give each target its own name (and environment)`,
      });
    } else targetNames.set(targetName, j);
  });

  const inWave = new Map<string, number>();
  let percent = 0;
  stage.waves.forEach((wave, w) => {
    if ('percent' in wave) {
      if (wave.percent <= percent)
        issues.push({
          path: at('waves', w, 'percent'),
          message: `wave percentages are cumulative and must increase: ${wave.percent} comes after ${percent}`,
        });
      percent = Math.max(percent, wave.percent);
      return;
    }
    wave.targets.forEach((t, k) => {
      if (!targetNames.has(t))
        issues.push({
          path: at('waves', w, 'targets', k),
          message: `stage ${stage.name} has no target "${t}"; its targets are: ${[...targetNames.keys()].join(', ')}`,
        });
      else if (inWave.has(t))
        issues.push({
          path: at('waves', w, 'targets', k),
          message: `target "${t}" is already in wave ${inWave.get(t)! + 1}; a target runs in one wave`,
        });
      else inWave.set(t, w);
    });
  });

  // With a cycle in after: no order satisfies it; the cycle's own issue says what to remove.
  if (!findCycle(release.components)) issues.push(...checkWaveOrder(release, index));
  issues.push(...checkGateAnalysis(release, index));
  if (stage.gate && index === release.stages.length - 1) {
    issues.push({
      path: at('gate'),
      message: 'the last stage has no next stage to gate; remove gate (or add the stage it should hold back)',
    });
  }
  return issues;
}

/** A gate's analysis blocks the next stage, and measures a promoted stage: one version, maybe many services. */
function checkGateAnalysis(release: ReleaseShape, index: number): RuleIssue[] {
  const stage = release.stages[index];
  const analysis = stage.gate?.analysis;
  if (!analysis) return [];
  const at = (...rest: (string | number)[]) => ['stages', index, 'gate', 'analysis', ...rest];
  const issues: RuleIssue[] = [];
  if (analysis.background)
    issues.push({
      path: at('background'),
      message: "a gate's analysis already measures beside the soak and holds the next stage until it passes; remove background",
    });
  const services = [...new Set(stage.targets.map((t) => release.components[t.component]?.service).filter(Boolean))];
  const usable = services.length === 1 ? GATE_VARIABLES : GATE_VARIABLES.filter((v) => v !== 'service');
  analysis.metrics.forEach((metric, j) => {
    const used = [...new Set([...JSON.stringify(metric.provider).matchAll(TEMPLATE_PATTERN)].map(([, name]) => name))];
    const versions = used.filter((v) => !GATE_VARIABLES.includes(v));
    const why = [
      ...(versions.length
        ? [
            `${versions.map((v) => `{{${v}}}`).join(', ')} ${versions.length > 1 ? 'have' : 'has'} no value at a ` +
              `gate: the stage is promoted and runs one version (presets compare the canary with the stable version: write the metric out)`,
          ]
        : []),
      ...(used.includes('service') && !usable.includes('service')
        ? [`stage ${stage.name} deploys ${services.join(' and ')}, so {{service}} has no value at its gate; write the service's name`]
        : []),
    ];
    if (why.length)
      issues.push({
        path: at('metrics', j),
        message: `metric "${metric.name}": ${why.join('; ')}; a gate's templates may use ${usable.map((v) => `{{${v}}}`).join(', ')}`,
      });
  });
  return issues;
}

/** One deployment per service and environment; one stage per target and environment. */
function checkUniqueness(release: ReleaseShape): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const deployments = new Map<string, string>();
  const places = new Map<string, { stage: string; where: string }>();
  const stageNames = new Map<string, number>();
  release.stages.forEach((stage, i) => {
    if (stageNames.has(stage.name))
      issues.push({
        path: ['stages', i, 'name'],
        message: `stage "${stage.name}" is already stages[${stageNames.get(stage.name)}]; stage names are unique`,
      });
    else stageNames.set(stage.name, i);
    const stageEnvironment = stage.environment ?? stage.name;
    stage.targets.forEach((t, j) => {
      const component = release.components[t.component];
      if (!component) return;
      const where = `stages[${i}].targets[${j}]`;
      const environment = t.environment ?? stageEnvironment;
      const id = `${component.service}/${environment}`;
      const seen = deployments.get(id);
      if (seen) {
        issues.push({
          path: ['stages', i, 'targets', j, 'environment'],
          message:
            `${id} is already deployed by ${seen}; one deployment per service and environment: give this ` +
            `target its own environment, e.g. environment: ${environment}-2`,
        });
      } else deployments.set(id, where);
      const key = `${stageEnvironment} ${physicalTarget({ ...component.target, ...(t.target ?? {}) })}`;
      const other = places.get(key);
      if (other && other.stage !== stage.name) {
        issues.push({
          path: ['stages', i, 'targets', j],
          message:
            `the same target is already ` +
            `deployed by ${other.where} (stage ${other.stage}) in environment ${stageEnvironment}; a target ` +
            `belongs to one stage per environment: remove one, or point this one at another target`,
        });
      } else if (other) {
        issues.push({
          path: ['stages', i, 'targets', j],
          message:
            `the same target is already deployed by ${other.where} in this stage: two deployments, each ` +
            `with its own lock, would change one ${changes(component.target.type)} at once; remove one, or point ` +
            `this one at another target (its target: fields)`,
        });
      } else places.set(key, { stage: stage.name, where });
    });
  });
  return issues;
}

/**
 * The fields that identify what a target changes on its platform (not the version it receives), per target type;
 * the type makes a new platform's entry required here.
 */
const IDENTITY = {
  lambda: ['functionName', 'alias', 'region'],
  ecs: ['cluster', 'service', 'region'],
  kubernetes: ['namespace', 'deployment', 'context', 'kubeconfig'],
} as const satisfies { [T in TargetType]: ReadonlyArray<keyof Extract<Target, { type: T }>> };

const CHANGES: Record<string, string> = { lambda: 'alias', ecs: 'service', kubernetes: 'Deployment' };
const changes = (type: string) => CHANGES[type] ?? 'target';

/** What identifies the thing a target changes; a type with no entry above is identified by all of its fields. */
export function physicalTarget(t: Record<string, unknown>): string {
  const fields: readonly string[] | undefined = (IDENTITY as Record<string, readonly string[]>)[String(t.type)];
  if (!fields) return JSON.stringify([t.type, sortedKeys(t)]);
  return JSON.stringify([t.type, ...fields.map((f) => t[f] ?? null)]);
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, sortedKeys(v)]),
  );
}
