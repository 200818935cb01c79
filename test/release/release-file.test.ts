/** Release files: the example validates; every bad file names the field, the cause and the fix (exit 2). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { releaseJsonSchema } from '../../plan/json-schema';
import { loadRelease, validateRelease } from '../../plan/release-load';
import { releaseProblems } from '../support/release-problems';

const root = path.join(__dirname, '..', '..');
const example = () => parse(readFileSync(path.join(root, 'examples', 'lambda-release.yaml'), 'utf8'));

function problems(edit: (doc: any) => void): string {
  const doc = example();
  edit(doc);
  return releaseProblems(doc);
}

describe('release file', () => {
  it('the example validates: staging in one wave, prod in two, {{version}} follows --set', () => {
    const { stages } = loadRelease(path.join(root, 'examples', 'lambda-release.yaml'), ['version=v7']);
    expect(stages.map((s) => s.waves.map((w) => w.map((t) => t.workflowId)))).toEqual([
      [['deploy:shop-api/staging', 'deploy:shop-worker/staging']],
      [['deploy:shop-api/prod-eu'], ['deploy:shop-api/prod-us', 'deploy:shop-worker/prod']],
    ]);
    expect(stages[1].waves[0][0].plan).toMatchObject({ metadata: { release: 'v7' }, target: { code: { s3Key: 'shop-api-eu/v7.zip' } } });
  });

  it("every target's plan carries the release's commit (its notifications link it)", () => {
    const doc = example();
    doc.metadata.commit = { sha: '3f2a9c1', url: 'https://github.com/example/shop/commit/3f2a9c1' };
    const plans = validateRelease(doc).stages.flatMap((s) => s.waves.flat().map((t) => t.plan));
    expect(plans.map((p) => p.metadata.commit)).toEqual(plans.map(() => doc.metadata.commit));
    expect(plans).toHaveLength(5);
  });

  it('percent waves take a cumulative share of the stage, the rest runs last', () => {
    const doc = example();
    doc.stages[1].waves = [{ percent: 34 }];
    const { stages } = validateRelease(doc);
    expect(stages[1].waves.map((w) => w.map((t) => t.name))).toEqual([['api-eu', 'api-us'], ['worker']]);
  });

  it("a stage's target fields replace the component's; null removes one (a service pair in prod, rolling in staging)", () => {
    const doc = example();
    doc.components.worker.target.previewAlias = 'live-preview';
    doc.stages[0].targets[1].target = { previewAlias: null, functionName: 'shop-worker-stg' };
    const { stages } = validateRelease(doc);
    expect(stages[0].waves[0][1].plan.target).not.toHaveProperty('previewAlias');
    expect(stages[0].waves[0][1].plan.target).toMatchObject({ functionName: 'shop-worker-stg', alias: 'live' });
    expect(stages[1].waves[1][1].plan.target).toMatchObject({ functionName: 'shop-worker-prod', previewAlias: 'live-preview' });
  });

  it('a dependency cycle names the cycle and the fix', () => {
    expect(problems((d) => (d.components.api.after = ['worker']))).toContain(
      'components.api.after: dependency cycle: api → worker → api; remove one of these after: entries',
    );
  });

  it('an unknown component is named with the known ones', () => {
    expect(problems((d) => (d.stages[0].targets[1].component = 'wroker'))).toContain(
      'stages[0].targets[1].component: unknown component "wroker"; components are: api, worker',
    );
    expect(problems((d) => (d.components.worker.after = ['db']))).toContain('components.worker.after[0]: unknown component "db"');
  });

  it('a stage naming no targets is refused', () => {
    expect(problems((d) => (d.stages[0].targets = []))).toContain('stages[0].targets: a stage deploys at least one target');
  });

  it('the same target in two stages of one environment is refused', () => {
    const message = problems((d) => {
      d.stages[1].environment = 'staging';
      d.stages[1].targets[2].target = {};
      d.stages[1].targets[2].environment = 'staging-2';
    });
    expect(message).toContain(
      'stages[1].targets[2]: the same target is already deployed by stages[0].targets[1] (stage staging) in environment staging',
    );
  });

  it('two targets of one service in one environment are refused: they would share a lock', () => {
    expect(problems((d) => (d.stages[1].targets[1].environment = 'prod-eu'))).toContain(
      'stages[1].targets[1].environment: shop-api/prod-eu is already deployed by stages[1].targets[0]; one ' +
        'deployment per service and environment',
    );
  });

  it('more than one migration in a stage is refused', () => {
    const migration = { run: { type: 'lambda', functionName: 'shop-migrate', payload: { to: 2 } } };
    expect(
      problems((d) => {
        d.components.api.migration = migration;
        d.components.worker.migration = migration;
      }),
    ).toContain('stages[0].targets: more than one migration in stage staging (api, worker)');
  });

  it('a bad field of an expanded target points at where it is written', () => {
    expect(problems((d) => (d.stages[1].targets[0].target.alias = 'Not An Alias!'))).toMatch(/stages\[1\]\.targets\[0\]\.target\.alias: /);
    expect(problems((d) => (d.components.api.strategy.steps[0].setWeight = 0))).toContain('components.api.strategy.steps[0].setWeight');
  });

  it('waves name known targets, once each', () => {
    expect(problems((d) => (d.stages[1].waves[1].targets = ['api-eu']))).toContain(
      'stages[1].waves[1].targets[0]: target "api-eu" is already in wave 1',
    );
    expect(problems((d) => (d.stages[1].waves[0].targets = ['api-asia']))).toContain('stage prod has no target "api-asia"');
  });

  it('plan/release.schema.json is up to date (regenerate: bin/glidepath schema --release --out plan/release.schema.json)', () => {
    expect(readFileSync(path.join(root, 'plan', 'release.schema.json'), 'utf8')).toBe(releaseJsonSchema());
  });
});
