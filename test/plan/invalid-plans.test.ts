/**
 * Every kind of bad plan gets an error that names the field and says what to write instead.
 * (The CLI test shows such a plan starts nothing.)
 */
import { describe, expect, it } from 'vitest';
import { PlanError, parsePlan, validatePlan } from '../../plan/load';

const valid = () => ({
  apiVersion: 'glidepath/v1',
  metadata: { service: 'payments', environment: 'prod', release: 'v2' },
  target: { type: 'lambda', functionName: 'payments', alias: 'live', code: { s3Bucket: 'artifacts', s3Key: 'payments/v2.zip' } },
  strategy: { type: 'canary', steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }, { setWeight: 100 }] },
});

type Plan = ReturnType<typeof valid> & Record<string, any>;

const cases: Array<[string, (p: Plan) => void, string, RegExp]> = [
  ['wrong apiVersion', (p) => (p.apiVersion = 'v1'), 'apiVersion', /must be "glidepath\/v1"/],
  ['missing metadata.service', (p) => delete (p.metadata as any).service, 'metadata.service', /is required/],
  ['service with capitals', (p) => (p.metadata.service = 'Payments'), 'metadata.service', /lowercase/],
  ['release with spaces', (p) => (p.metadata.release = 'v 2'), 'metadata.release', /version or build id/],
  ['release as a number', (p) => ((p.metadata as any).release = 2), 'metadata.release', /expected string/],
  ['unknown metadata field', (p) => ((p.metadata as any).owner = 'x'), 'metadata.owner', /unknown field "owner"/],
  ['unknown top-level field', (p) => (p.rollback = true), 'rollback', /unknown field/],
  ['unknown target type', (p) => ((p.target as any).type = 'nomad'), 'target.type', /use "lambda"/],
  ['missing target alias', (p) => delete (p.target as any).alias, 'target.alias', /is required/],
  ['code with neither zip nor image', (p) => ((p.target as any).code = {}), 'target.code', /s3Bucket \+ s3Key \(zip\) or imageUri/],
  ['code with both zip and image', (p) => ((p.target.code as any).imageUri = 'repo/app:v2'), 'target.code', /not both/],
  ['zip without key', (p) => delete (p.target.code as any).s3Key, 'target.code.s3Key', /needs both/],
  ['unknown strategy', (p) => ((p.strategy as any).type = 'rolling-thunder'), 'strategy.type', /use "canary" or "blueGreen"/],
  ['no steps', (p) => (p.strategy.steps = []), 'strategy.steps', /at least one step/],
  [
    'weights not increasing',
    (p) => (p.strategy.steps = [{ setWeight: 50 }, { setWeight: 20 }] as any),
    'strategy.steps[1].setWeight',
    /weights must increase: 20 comes after 50/,
  ],
  ['weight over 100', (p) => (p.strategy.steps = [{ setWeight: 120 }] as any), 'strategy.steps[0].setWeight', /cannot exceed 100/],
  ['weight zero', (p) => (p.strategy.steps = [{ setWeight: 0 }] as any), 'strategy.steps[0].setWeight', /at least 1/],
  ['fractional weight', (p) => (p.strategy.steps = [{ setWeight: 12.5 }] as any), 'strategy.steps[0].setWeight', /whole percentage/],
  ['weight as text', (p) => (p.strategy.steps = [{ setWeight: 'ten' }] as any), 'strategy.steps[0].setWeight', /expected number/],
  [
    'negative duration',
    (p) => (p.strategy.steps = [{ pause: { duration: '-5m' } }] as any),
    'strategy.steps[0].pause.duration',
    /positive duration/,
  ],
  [
    'duration without unit',
    (p) => (p.strategy.steps = [{ pause: { duration: '300' } }] as any),
    'strategy.steps[0].pause.duration',
    /such as "30s"/,
  ],
  ['empty step', (p) => (p.strategy.steps = [{}] as any), 'strategy.steps[0]', /needs one of: setWeight, pause, approval, analysis/],
  [
    'two kinds in one step',
    (p) => (p.strategy.steps = [{ setWeight: 10, pause: {} }] as any),
    'strategy.steps[0]',
    /split setWeight and pause/,
  ],
  ['unknown step kind', (p) => (p.strategy.steps = [{ wait: '5m' }] as any), 'strategy.steps[0].wait', /unknown field "wait"/],
  [
    'bad approval timeout action',
    (p) => (p.strategy.steps = [{ approval: { onTimeout: 'maybe' } }] as any),
    'strategy.steps[0].approval.onTimeout',
    /"abort"\|"promote"/,
  ],
  [
    'approvers not a list',
    (p) => (p.strategy.steps = [{ approval: { approvers: 'alice' } }] as any),
    'strategy.steps[0].approval.approvers',
    /expected array/,
  ],
  [
    'setWeight in blue-green',
    (p) => (p.strategy = { type: 'blueGreen', prePromotion: [{ setWeight: 10 }] } as any),
    'strategy.prePromotion[0].setWeight',
    /use a canary strategy/,
  ],
  [
    'blue-green negative delay',
    (p) => (p.strategy = { type: 'blueGreen', scaleDownDelay: '-1h' } as any),
    'strategy.scaleDownDelay',
    /positive duration/,
  ],
  ['migration of unknown type', (p) => (p.migration = { run: { type: 'flyway' } }), 'migration.run.type', /unknown migration type/],
  [
    'inline secret in migration payload',
    (p) => (p.migration = { run: { type: 'lambda', functionName: 'm', payload: { dbPassword: 'hunter2' } } }),
    'migration.run.payload.dbPassword',
    /reference it by name/,
  ],
  [
    'analysis without metrics',
    (p) => (p.strategy.steps = [{ analysis: { metrics: [] } }] as any),
    'strategy.steps[0].analysis.metrics',
    /at least one metric/,
  ],
];

describe('invalid plans', () => {
  it('the valid plan passes', () => {
    expect(validatePlan(valid()).metadata.service).toBe('payments');
  });

  it.each(cases)('%s', (_, mutate, path, message) => {
    const plan = valid() as Plan;
    mutate(plan);
    let error: unknown;
    try {
      validatePlan(plan, 'plan.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PlanError);
    const issues = (error as PlanError).issues;
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parsePlan('metadata:\n  service: [payments\n', 'plan.yaml')).toThrow(/line \d+: YAML/);
  });

  it('--set overrides apply before validation', () => {
    const text = JSON.stringify(valid());
    expect(parsePlan(text, 'plan', ['release=v3', 'strategy.steps[0].setWeight=5']).metadata.release).toBe('v3');
    expect(() => parsePlan(text, 'plan', ['strategy.steps[0].setWeight=500'])).toThrow(/cannot exceed 100/);
    expect(() => parsePlan(text, 'plan', ['release'])).toThrow(/key=value/);
  });
});
