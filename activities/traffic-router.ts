/**
 * How traffic moves between the stable version and the new one, apart from how the versions run (the
 * workload, activities/workload.ts). One router per way of splitting: Lambda alias weights, ALB listener or
 * rule weights, Gateway API HTTPRoute weights, replica ratio. A router is made for one release (its candidate
 * data says which versions it splits between) and every call is idempotent.
 */

/** The shares a router sends now, in percent. */
export interface WeightCheck {
  /**
   * True when the router sends what its setWeight(weight) makes: the new version the weight asked for and the
   * stable one the rest, or, where shares come in steps (replica ratio: whole Pods), the step setWeight picks.
   */
  ok: boolean;
  stable: number;
  candidate: number;
}

export interface TrafficRouter {
  /** `weight`% of traffic to the new version (0-100), the rest to the stable one. */
  setWeight(weight: number): Promise<void>;
  /**
   * Keep the stable route on the stable version only, before the new version's Pods exist (Gateway API: the
   * stable Service pinned to the stable ReplicaSet). Nothing to do where the router addresses versions directly.
   */
  pinStable(): Promise<void>;
  /** All traffic back on the stable version and whatever the router changed for this release undone (rollback). */
  reset(): Promise<void>;
  /** The shares the router sends now, compared with `weight`% to the new version. */
  verify(weight: number): Promise<WeightCheck>;
}

export function weightCheck(weight: number, shares: { stable: number; candidate: number }): WeightCheck {
  const ok = Math.round(shares.candidate) === weight && Math.round(shares.stable) === 100 - weight;
  return { ok, ...shares };
}

/** Clamped to 0-100 and rounded: the weights routers write. */
export const percent = (weight: number) => Math.max(0, Math.min(100, Math.round(weight)));
