/** Plans for tests, validated through the same schema the CLI uses. */
import { validatePlan } from '../../plan/load';
import type { Plan } from '../../plan/schema';
import { BUCKET } from './lambda-fixture';

export function lambdaPlan(service: string, strategy: unknown, extra: Record<string, unknown> = {}, release = 'v2'): Plan {
  return validatePlan({
    apiVersion: 'glidepath/v1',
    metadata: { service, environment: 'test', release, requestedBy: 'ci' },
    target: { type: 'lambda', functionName: service, alias: 'live', code: { s3Bucket: BUCKET, s3Key: `${service}/${release}.zip` } },
    strategy,
    ...extra,
  });
}

export const canary = (...steps: unknown[]) => ({ type: 'canary', steps });
