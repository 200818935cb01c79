/**
 * What `promote --full` may not skip: the policy's guardrails hold at run time too, not only at start. A guardrail
 * that requires an analysis refuses it until an analysis of the run has passed; one that caps the first canary
 * weight refuses it until traffic has moved (a full promotion would make 100% the first weight). Plain `promote` of
 * a pause stays allowed. Synchronous and pure: part of the promote update's validator.
 */
import type { Guardrails } from '../plan/policy-types';

export interface PromotionState {
  strategy: 'canary' | 'blueGreen';
  /** The candidate's share of traffic now. */
  weight: number;
  analysisPassed: boolean;
}

/** Why a full promotion now would defeat a guardrail, and its rule; undefined when none would be. */
export function fullPromotionRefusal(guardrails: Guardrails[], run: PromotionState): { rule: string; message: string } | undefined {
  for (const g of guardrails) {
    if (g.requireAnalysis && !run.analysisPassed)
      return {
        rule: g.rule,
        message:
          `promote --full would skip the analysis policy rule "${g.rule}" requires (guardrails.requireAnalysis), ` +
          `and none has passed yet; ` +
          'promote past each pause instead (glidepath promote), or --full once an analysis has passed',
      };
    if (g.maxFirstWeight !== undefined && run.strategy === 'canary' && run.weight === 0)
      return {
        rule: g.rule,
        message:
          `promote --full would move all traffic at once, and policy rule "${g.rule}" caps the first canary ` +
          `weight at ${g.maxFirstWeight}% ` +
          '(guardrails.maxFirstWeight); promote past each pause instead (glidepath promote), or --full once traffic has moved',
      };
  }
  return undefined;
}
