/** ECS targets and migrations in plans: the example parses, and mistakes are refused with what to change. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanError, loadPlan, validatePlan } from '../../plan/load';
import { planDetails, planSummary } from '../../workflows/describe';

const example = path.join(__dirname, '..', '..', 'examples', 'ecs-canary.yaml');
const lb = {
  listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/2',
  stableTargetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1',
  canaryTargetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/2',
};
const plan = (target: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'glidepath/v1',
  metadata: { service: 'web', environment: 'prod', release: 'v2' },
  target: { type: 'ecs', cluster: 'prod', service: 'web', taskDefinition: { containerName: 'app', image: 'web:v2' }, ...target },
  strategy: { type: 'canary', steps: [{ setWeight: 10 }] },
  ...extra,
});

function issues(doc: unknown): string[] {
  try {
    validatePlan(doc);
  } catch (err) {
    if (err instanceof PlanError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('ECS plans', () => {
  it('the README example parses with its defaults', () => {
    const p = loadPlan(example);
    expect(p.target).toMatchObject({ type: 'ecs', deployment: 'servicePair', readyTimeout: '10m' });
    expect(p.migration?.run).toMatchObject({ type: 'ecs', taskDefinition: 'payments-migrate', network: { assignPublicIp: false } });
    expect(planSummary(p)).toBe('migration+canary payments → prod @ v2 (ecs prod/payments-api)');
    expect(planDetails(p)).toContain('**Migration:** ecs task payments-migrate (no down-migration');
  });

  it('a service pair needs the load balancer pair; a rolling update must not have one', () => {
    expect(issues(plan({}))).toEqual([
      'target.loadBalancer: a servicePair deployment needs loadBalancer (listener and two target groups); or use deployment: rolling',
    ]);
    expect(issues(plan({ deployment: 'rolling' }, { strategy: { type: 'canary', steps: [{ pause: { duration: '5m' } }] } }))).toEqual([]);
    expect(issues(plan({ deployment: 'rolling', loadBalancer: lb }, { strategy: { type: 'canary', steps: [{ approval: {} }] } }))).toEqual([
      'target.loadBalancer: a rolling update keeps the service on its own target group; remove loadBalancer',
    ]);
    expect(issues(plan({ loadBalancer: { ...lb, canaryTargetGroupArn: lb.stableTargetGroupArn } }))).toEqual([
      'target.loadBalancer.canaryTargetGroupArn: the canary target group must differ from the stable one',
    ]);
    expect(issues(plan({ loadBalancer: { ...lb, listenerArn: 'my-listener' } }))[0]).toContain('must be the ARN of an ELBv2 listener');
  });

  it('a rolling update cannot split traffic or switch colours, and says what to use instead', () => {
    expect(issues(plan({ deployment: 'rolling' }))).toEqual([
      'strategy.steps[0].setWeight: a rolling ECS update cannot split traffic; remove setWeight or use deployment: servicePair',
    ]);
    expect(issues(plan({ deployment: 'rolling' }, { strategy: { type: 'blueGreen' } }))).toEqual([
      'strategy.type: a rolling ECS update has no second service to switch to; use a canary without setWeight, or deployment: servicePair',
    ]);
  });

  it('secrets are references: a secret-looking value in the environment is refused', () => {
    expect(
      issues(
        plan({ loadBalancer: lb, taskDefinition: { containerName: 'app', image: 'web:v2', environment: { DB_PASSWORD: 'hunter2' } } }),
      ),
    ).toEqual([
      'target.taskDefinition.environment.DB_PASSWORD: looks like a secret written into the plan; store it in a ' +
        'secret store and reference it by name (e.g. "secretName")',
    ]);
    const ref = { name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db' };
    expect(issues(plan({ loadBalancer: lb, taskDefinition: { containerName: 'app', image: 'web:v2', secrets: [ref] } }))).toEqual([]);
  });

  it('unknown target and migration types name both choices', () => {
    expect(issues(plan({ type: 'k8s' }))).toEqual(['target.type: unknown target type; use "lambda", "ecs" or "kubernetes"']);
    const migration = { run: { type: 'batch', cluster: 'prod', taskDefinition: 'm' } };
    expect(issues(plan({ loadBalancer: lb }, { migration }))).toEqual([
      'migration.run.type: unknown migration type; use "lambda", "ecs" or "kubernetes"',
    ]);
  });
});
