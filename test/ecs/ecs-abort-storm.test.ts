/**
 * An abort storm on ECS (test/support/storm.ts), on the real Temporal dev server and moto with the simulated ECS
 * scheduler (test/support/ecs_sim.py): 12 service-pair canaries and blue-greens at once, each met by an action at a
 * drawn moment. Every run ends promoted or rolled back, and the production listener and the cluster's services say
 * the same as the status.
 */
import { describe, it } from 'vitest';
import {
  type Weights,
  activeServices,
  createEcsService,
  ecsPlan,
  ecsPlatformAt,
  listenerWeights,
  targetStates,
  uniqueEcsName,
} from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { canary } from '../support/plans';
import { STORM_RUNS, STORM_SEED, type StormPlatform, expectAgreement, seeded, storm } from '../support/storm';
import { useHarness } from '../support/temporal';

const sim = useEcsSim();
const CANARY = canary({ setWeight: 10 }, { pause: { duration: '1s' } }, { setWeight: 50 }, { pause: { duration: '1s' } });
const BLUE_GREEN = { type: 'blueGreen', prePromotion: [{ pause: { duration: '1s' } }], scaleDownDelay: '1s' };

interface ServicesState {
  /** The production listener's split, by target group: which service gets the traffic. */
  onGreen: number;
  weights: Weights;
  active: string[];
  /** Targets registered to the group the new service uses. */
  green: string[];
}

const ecsStorm: StormPlatform<ServicesState> = {
  strategies: ['canary', 'canary', 'blueGreen'],
  // A run: a new service that becomes steady, 10%, a 1 s soak, 50%, a 1 s soak, promote, the old service retired.
  latestMomentMs: 9_000,
  surelyRunningMs: 1_000,
  async createService() {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('storm'));
    return {
      plan: (strategy, release = 'v2') => ecsPlan(f, strategy === 'canary' ? CANARY : BLUE_GREEN, { release }),
      state: async () => {
        const weights = await listenerWeights(f);
        return { onGreen: weights[f.greenTg] ?? 0, weights, active: await activeServices(f), green: await targetStates(f, f.greenTg) };
      },
    };
  },
  // Promoted: all traffic on the new service, the only one left. Rolled back: all on the stable one, the only one
  // left, nothing registered to the new service's group.
  isPromoted: (s) => s.onGreen === 100 && s.active.length === 1 && s.active[0]!.endsWith('-v2'),
  isRolledBack: (s) => s.onGreen === 0 && s.active.length === 1 && !s.active[0]!.endsWith('-v2') && s.green.length === 0,
};

const h = useHarness(() => ({ platforms: { ecs: ecsPlatformAt(sim.endpoint) } }));

describe(`an abort storm on ECS, seed ${STORM_SEED}`, () => {
  it(`${Math.ceil(STORM_RUNS / 2)} rollouts: every run ends promoted or rolled back, and the listener agrees`, {
    timeout: 300_000,
  }, async () => {
    expectAgreement(await h.run(() => storm(ecsStorm, h, seeded(STORM_SEED), Math.ceil(STORM_RUNS / 2))));
  });
});
