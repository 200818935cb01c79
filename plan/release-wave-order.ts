/**
 * Waves against `after:`. A target waits for the targets of the components it comes after only within its own
 * wave (workflows/release-stage.ts); a wave runs once the one before it is in place. So a wave order that puts a
 * target before a target it comes after would start it first, silently: refused, with the waves that would fix it.
 * Pure; runs in the release schema's refinement, on the waves the release would run (plan/release-stages.ts).
 */
import type { ReleaseShape, RuleIssue } from './release-rules';
import { toWaves } from './release-stages';

export function checkWaveOrder(release: ReleaseShape, index: number): RuleIssue[] {
  const stage = release.stages[index];
  const targets = stage.targets
    .filter((t) => release.components[t.component])
    .map((t) => ({ name: t.name ?? t.component, component: t.component }));
  const waves = toWaves(stage, targets);
  const waveOf = new Map(waves.flatMap((wave, w) => wave.map((t) => [t.name, w] as const)));
  const issues: RuleIssue[] = [];
  waves.forEach((wave, w) => {
    for (const target of wave) {
      for (const dependency of release.components[target.component].after) {
        const later = targets.filter((t) => t.component === dependency && waveOf.get(t.name)! > w);
        if (later.length === 0) continue;
        const last = Math.max(...later.map((t) => waveOf.get(t.name)!));
        issues.push({
          path: wherePlaced(stage, index, target.name),
          message:
            `${target.name} runs in wave ${w + 1}, before ${later.map((t) => `${t.name} (wave ${waveOf.get(t.name)! + 1})`).join(', ')}, ` +
            `but ${target.component} comes after ${dependency}, and a target waits only for those of its own wave: ` +
            `move ${target.name} to wave ${last + 1} or later, or ${later.map((t) => t.name).join(', ')} to wave ${w + 1} or earlier, ` +
            `or remove ${dependency} from components.${target.component}.after`,
        });
      }
    }
  });
  return issues;
}

/** The wave entry that names the target, or the stage's waves when a percent wave took it. */
function wherePlaced(stage: ReleaseShape['stages'][number], index: number, name: string): (string | number)[] {
  for (const [w, wave] of stage.waves.entries()) {
    if ('targets' in wave && wave.targets.includes(name)) return ['stages', index, 'waves', w, 'targets', wave.targets.indexOf(name)];
  }
  return ['stages', index, 'waves'];
}
