/** Kubernetes targets and migrations in plans: the example, what the status says, and bad plans' errors. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classify } from '../../activities/errors';
import { childName, releaseLabel } from '../../activities/kubernetes/objects';
import { replicaSplit } from '../../activities/kubernetes/traffic';
import { type PlanError, parsePlan, validatePlan } from '../../plan/load';
import { describeMigrationTask, describeTarget, planSummary } from '../../workflows/describe';

const example = path.join(__dirname, '..', '..', 'examples', 'kubernetes-canary.yaml');

const valid = (): Record<string, any> => ({
  apiVersion: 'glidepath/v1',
  metadata: { service: 'web', environment: 'prod', release: 'v2' },
  target: { type: 'kubernetes', namespace: 'shop', deployment: 'web', container: 'web', image: 'registry.example.com/web:v2' },
  strategy: { type: 'canary', steps: [{ setWeight: 10 }, { setWeight: 100 }] },
});

function issues(mutate: (p: Record<string, any>) => void) {
  const plan = valid();
  mutate(plan);
  try {
    validatePlan(plan, 'plan.yaml');
  } catch (err) {
    return (err as PlanError).issues;
  }
  throw new Error('the plan was valid');
}

describe('Kubernetes plans', () => {
  it('a blue-green plan must name its active and preview Services', () => {
    expect(issues((p) => (p.strategy = { type: 'blueGreen' }))).toContainEqual({
      path: 'target.blueGreen',
      message: 'a blue-green plan on Kubernetes needs blueGreen: { activeService, previewService }',
    });
  });

  it('the example plan is valid, and the status names the route its traffic moves by', () => {
    const plan = parsePlan(readFileSync(example, 'utf8'), example);
    expect(plan.target).toMatchObject({ type: 'kubernetes', progressDeadline: '10m' });
    expect(planSummary(plan)).toBe(
      'migration+canary payments → prod @ v2.3.0 (kubernetes payments/payments-api (HTTPRoute payments/payments weights))',
    );
    expect(describeMigrationTask(plan.migration!.run)).toBe('kubernetes job in payments (registry.example.com/payments/migrate:v2.3.0)');
  });

  it('defaults: replica ratio, a 10m progress deadline; blue-green plans name their Services', () => {
    const plan = validatePlan(valid());
    expect(describeTarget(plan.target)).toBe('kubernetes shop/web (replica ratio)');
    const bg = validatePlan({
      ...valid(),
      target: { ...valid().target, blueGreen: { activeService: 'web', previewService: 'web-preview' } },
      strategy: { type: 'blueGreen' },
    });
    expect(describeTarget(bg.target)).toBe('kubernetes shop/web (Service web selector)');
    const migration = validatePlan({
      ...valid(),
      migration: { run: { type: 'kubernetes', namespace: 'shop', image: 'm:1', command: ['up'] } },
    }).migration!.run;
    expect(migration).toMatchObject({ timeout: '15m', backoffLimit: 0 });
  });

  it.each([
    ['unknown target type names kubernetes', (p: any) => (p.target.type = 'nomad'), 'target.type', /use "lambda", "ecs" or "kubernetes"/],
    ['namespace not a DNS label', (p: any) => (p.target.namespace = 'Shop_1'), 'target.namespace', /DNS label/],
    ['deployment name leaves no room for suffixes', (p: any) => (p.target.deployment = 'a'.repeat(50)), 'target.deployment', /at most 47/],
    ['traffic of neither kind', (p: any) => (p.target.traffic = { istio: {} }), 'target.traffic', /gatewayRoute .* or replicaRatio/],
    [
      'route to one Service twice',
      (p: any) => (p.target.traffic = { gatewayRoute: { name: 'web', stableService: 'web', canaryService: 'web' } }),
      'target.traffic.gatewayRoute.canaryService',
      /must differ/,
    ],
    [
      'one Service for active and preview',
      (p: any) => (p.target.blueGreen = { activeService: 'web', previewService: 'web' }),
      'target.blueGreen.previewService',
      /must differ/,
    ],
    ['image with spaces', (p: any) => (p.target.image = 'web v2'), 'target.image', /image reference/],
    [
      'migration without command',
      (p: any) => (p.migration = { run: { type: 'kubernetes', namespace: 'shop', image: 'm:1' } }),
      'migration.run.command',
      /expected array/,
    ],
    [
      'migration secret written into env',
      (p: any) =>
        (p.migration = { run: { type: 'kubernetes', namespace: 'shop', image: 'm:1', command: ['up'], env: { DB_PASSWORD: 'hunter2' } } }),
      'migration.run.env.DB_PASSWORD',
      /reference it by name/,
    ],
    [
      'migration secretEnv without key',
      (p: any) =>
        (p.migration = {
          run: { type: 'kubernetes', namespace: 'shop', image: 'm:1', command: ['up'], secretEnv: [{ name: 'DB', secretName: 'db' }] },
        }),
      'migration.run.secretEnv[0].key',
      /expected string/,
    ],
  ])('%s', (_, mutate, path, message) => {
    expect(issues(mutate)).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('names and labels derived from releases stay within Kubernetes limits', () => {
    expect(releaseLabel('v1.4.2')).toBe('v1.4.2');
    expect(releaseLabel('1.0+build.7')).toMatch(/^1\.0_build\.7-[0-9a-f]{10}$/);
    expect(releaseLabel('r'.repeat(100))).toHaveLength(63);
    expect(childName('web', 'V1.4.2')).toBe('web-v1.4.2');
    expect(childName('web', '2026.11.23+1')).toBe('web-2026.11.23-1');
    expect(childName('w'.repeat(47), 'x'.repeat(100))).toHaveLength(63);
    expect(replicaSplit(4, 10)).toEqual({ canary: 1, stable: 3 });
    expect(replicaSplit(4, 60)).toEqual({ canary: 3, stable: 1 });
    expect(replicaSplit(3, 100)).toEqual({ canary: 3, stable: 0 });
    expect(replicaSplit(3, 0)).toEqual({ canary: 0, stable: 3 });
  });
});

describe('Kubernetes API errors', () => {
  const status = (code: number, reason: string, message: string) =>
    new ApiException(
      code,
      'Unknown API Status Code!',
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }),
      { 'content-type': 'application/json' },
    );

  it.each([
    [404, 'NotFound', 'deployments.apps "web" not found', 'NotFound', true],
    [403, 'Forbidden', 'deployments.apps "web" is forbidden: User "system:serviceaccount:x:y" cannot get resource', 'AccessDenied', true],
    [
      422,
      'Invalid',
      'Deployment.apps "web-canary" is invalid: spec.template.spec.containers[0].image: Required value',
      'InvalidPlan',
      true,
    ],
    [409, 'Conflict', 'Operation cannot be fulfilled on httproutes "web": the object has been modified', 'Conflict', false],
    [429, 'TooManyRequests', 'too many requests', 'Throttled', false],
    [503, 'ServiceUnavailable', 'etcdserver: leader changed', 'KubernetesApi', false],
  ])('%i %s → %s', (code, reason, message, type, nonRetryable) => {
    const failure = classify(status(code, reason, message)) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type, nonRetryable, message: `Kubernetes API ${code} ${reason}: ${message}` });
  });
});
