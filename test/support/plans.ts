/** Plans for tests, validated through the same schema the CLI uses. */
import { validatePlan } from '../../plan/load';
import type { Plan } from '../../plan/schema';
import { BUCKET } from './lambda-fixture';

/** A plan of `service` for environment `test`, requested by `ci`; `extra` adds fields beside the strategy (a migration, …). */
export function testPlan(service: string, release: string, target: unknown, strategy: unknown, extra: Record<string, unknown> = {}): Plan {
  return validatePlan({
    apiVersion: 'glidepath/v1',
    metadata: { service, environment: 'test', release, requestedBy: 'ci' },
    target,
    strategy,
    ...extra,
  });
}

export function lambdaPlan(service: string, strategy: unknown, extra: Record<string, unknown> = {}, release = 'v2'): Plan {
  const code = { s3Bucket: BUCKET, s3Key: `${service}/${release}.zip` };
  return testPlan(service, release, { type: 'lambda', functionName: service, alias: 'live', code }, strategy, extra);
}

export const canary = (...steps: unknown[]) => ({ type: 'canary', steps });

/** Blue-green whose analysis after the switch is 3 checks of `url`, a second apart (the first failing one rolls back). */
export const blueGreenCheckedAfterSwitch = (url: string) => ({
  type: 'blueGreen',
  prePromotion: [],
  postPromotion: [
    { analysis: { name: 'smoke', metrics: [{ name: 'health', provider: { type: 'http', url }, interval: '1s', count: 3 }] } },
  ],
  scaleDownDelay: '1h',
});
