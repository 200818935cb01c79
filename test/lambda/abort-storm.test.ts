/**
 * An abort storm on Lambda (test/support/storm.ts), on the real Temporal dev server and moto: 24 canaries and
 * blue-greens at once, each met by an action at a drawn moment; then 12 more on worker processes, two of them
 * SIGKILLed at drawn moments. Every run ends promoted or rolled back, and the function's aliases say the same as
 * the status. The moments abort-moments.test.ts pins one by one are sampled here in between.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { describe, inject, it } from 'vitest';
import { createLambdaService, lambdaPlatformAt, lambdaState } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { STORM_RUNS, STORM_SEED, type StormPlatform, expectAgreement, seeded, storm } from '../support/storm';
import { uniqueName, useHarness } from '../support/temporal';
import { useWorkerProcesses, workerEnv } from '../support/worker-process';

const endpoint = inject('motoEndpoint');
const CANARY = canary({ setWeight: 10 }, { pause: { duration: '1s' } }, { setWeight: 50 }, { pause: { duration: '1s' } });
/** Blue-green whose point of no return, the end of the scale-down delay, falls inside the drawn moments. */
const BLUE_GREEN = { type: 'blueGreen', prePromotion: [{ pause: { duration: '1s' } }], scaleDownDelay: '1s' };

type AliasState = Awaited<ReturnType<typeof lambdaState>> & { preview: boolean };

async function aliasState(lambda: LambdaClient, name: string): Promise<AliasState> {
  const preview = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live-preview' })).then(
    () => true,
    () => false,
  );
  return { ...(await lambdaState(lambda, name)), preview };
}

const lambdaStorm: StormPlatform<AliasState> = {
  strategies: ['canary', 'canary', 'blueGreen'],
  // A run: deploy, 10%, a 1 s soak, 50%, a 1 s soak, promote (blue-green: preview, 1 s, switch, 1 s kept, retire).
  latestMomentMs: 4_000,
  surelyRunningMs: 1_000,
  async createService() {
    const name = uniqueName('storm');
    const lambda = await createLambdaService(endpoint, name);
    return {
      plan: (strategy, release = 'v2') => lambdaPlan(name, strategy === 'canary' ? CANARY : BLUE_GREEN, {}, release),
      state: () => aliasState(lambda, name),
    };
  },
  // Promoted: the alias wholly on the new version. Rolled back: wholly on version 1, the new one deleted. The
  // preview alias is gone either way.
  isPromoted: (s, status) => !s.preview && s.alias.version === status.candidateVersion && Object.keys(s.alias.weights).length === 0,
  isRolledBack: (s) => !s.preview && s.alias.version === '1' && Object.keys(s.alias.weights).length === 0 && s.versions.join() === '1',
};

const h = useHarness(() => ({ platforms: { lambda: lambdaPlatformAt(endpoint) } }));
const workers = useWorkerProcesses('SIGKILL');

describe(`an abort storm on Lambda, seed ${STORM_SEED}`, () => {
  it(`${STORM_RUNS} rollouts: every run ends promoted or rolled back, and the alias agrees`, { timeout: 240_000 }, async () => {
    expectAgreement(await h.run(() => storm(lambdaStorm, h, seeded(STORM_SEED), STORM_RUNS)));
  });

  it('half as many, with the worker process SIGKILLed twice at drawn moments and another started', { timeout: 300_000 }, async () => {
    const random = seeded(STORM_SEED + 1);
    const taskQueue = uniqueName('storm-tq');
    const env = workerEnv(taskQueue, endpoint);
    let worker = await workers.spawn(env);
    const kills = [random(), random()].map((r) => Math.floor(r * lambdaStorm.latestMomentMs)).sort((a, b) => a - b);
    const killing = (async () => {
      let at = 0;
      for (const moment of kills) {
        await sleep(moment - at);
        at = moment;
        await worker.kill('SIGKILL');
        worker = await workers.spawn(env);
      }
    })();
    const outcomes = await storm(lambdaStorm, { client: workers.client(), taskQueue }, random, Math.ceil(STORM_RUNS / 2));
    await killing;
    expectAgreement(outcomes);
  });
});
