/**
 * Secrets written anywhere in a release file are refused (exit 2), not only in the targets' expanded plans: a
 * stage's migration and a gate's analysis are in the release workflow's input and history but in no target's plan.
 * Each refusal names the field, what it looks like and the field that takes a reference instead.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkRelease } from '../../activities/check-release';
import { EXIT } from '../../starters/exit-codes';
import { runCli } from '../support/cli';
import { releaseProblems } from '../support/release-problems';

const example = () => parse(readFileSync(path.join(__dirname, '..', '..', 'examples', 'lambda-release.yaml'), 'utf8'));
const dir = mkdtempSync(path.join(tmpdir(), 'glidepath-release-secrets-'));

function edited(edit: (doc: any) => void): any {
  const doc = example();
  edit(doc);
  return doc;
}

const kubeMigration = (env: Record<string, string>) => ({
  run: { type: 'kubernetes', namespace: 'shop', image: 'registry.test/migrate:v2', command: ['migrate'], env },
});
const gateUrl = (url: string) => ({ metrics: [{ name: 'smoke', provider: { type: 'http', url }, count: 1 }] });

describe('secrets in a release file', () => {
  it("a password in a migration's env is refused, with secretEnv as the fix", () => {
    const message = releaseProblems(edited((d) => (d.components.api.migration = kubeMigration({ DB_PASSWORD: 'hunter2', LOG: 'debug' }))));
    expect(message).toContain(
      'components.api.migration.run.env.DB_PASSWORD: looks like a secret written into the release, which is the ' +
        "release workflow's input and stays in its history: move it to secretEnv, e.g. - { name: DB_PASSWORD, " +
        'secretName: <Secret>, key: <key> }',
    );
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('env.LOG');
  });

  it("a URL with a password in a gate's analysis is refused", () => {
    expect(releaseProblems(edited((d) => (d.stages[0].gate.analysis = gateUrl('https://admin:hunter2@checks.internal/health'))))).toContain(
      'stages[0].gate.analysis.metrics[0].provider.url: looks like a URL with a password in it written into the release, ' +
        "which is the release workflow's input and stays in its history: remove the user and password from the URL",
    );
  });

  it("an ECS migration's environment and a Lambda migration's payload each name their own fix", () => {
    const ecs = {
      run: { type: 'ecs', cluster: 'prod', taskDefinition: 'shop-migrate', overrides: { environment: { API_TOKEN: 'abc123' } } },
    };
    expect(releaseProblems(edited((d) => (d.components.worker.migration = ecs)))).toContain(
      'components.worker.migration.run.overrides.environment.API_TOKEN: looks like a secret written into the ' +
        "release, which is the release workflow's input and stays in its history: move it to overrides.secrets, " +
        'e.g. - { name: API_TOKEN, valueFrom:',
    );
    const lambda = {
      run: { type: 'lambda', functionName: 'shop-migrate' },
      down: { type: 'lambda', functionName: 'shop-migrate', payload: { dsn: 'postgres://app:pw@db/shop' } },
    };
    expect(releaseProblems(edited((d) => (d.components.worker.migration = lambda)))).toContain(
      'components.worker.migration.down.payload.dsn: looks like a URL with a password in it written into the ' +
        "release, which is the release workflow's input and stays in its history: pass the name of a secret in the payload",
    );
  });

  it("a secret in a stage's target override is named where it is written", () => {
    expect(releaseProblems(edited((d) => (d.stages[1].targets[0].target.code.s3Key = 'AKIAABCDEFGHIJKLMNOP.zip')))).toContain(
      'stages[1].targets[0].target.code.s3Key: looks like an AWS access key id written into the release',
    );
  });

  it("the release workflow's own input check refuses it too (a release started without the CLI)", () => {
    expect(() => checkRelease(edited((d) => (d.components.api.migration = kubeMigration({ DB_PASSWORD: 'hunter2' }))))).toThrow(
      /components\.api\.migration\.run\.env\.DB_PASSWORD: looks like a secret written into the release/,
    );
  });

  it('glidepath validate and release exit 2 naming the field, and start nothing', async () => {
    const file = path.join(dir, 'secret-release.yaml');
    writeFileSync(file, stringify(edited((d) => (d.components.api.migration = kubeMigration({ DB_PASSWORD: 'hunter2' })))));
    // An address nothing listens on: the file is refused before any connection.
    const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
    for (const command of ['validate', 'release']) {
      const run = await runCli([command, file], env);
      expect(run.code).toBe(EXIT.invalidPlan);
      expect(run.stderr).toContain('components.api.migration.run.env.DB_PASSWORD: looks like a secret written into the release');
      expect(run.stderr).toContain('Nothing was started.');
      expect(run.stderr + run.stdout).not.toContain('hunter2');
    }
  });
});
