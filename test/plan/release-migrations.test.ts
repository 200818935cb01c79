/**
 * A release's migrations per stage: a stage's target may override the component's migration (fields replace the
 * component's, null removes one, migration: null removes it from the stage), and a release in which two stages
 * would run the same migration task (one database migrated twice, the other never) is refused with the fix.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateRelease } from '../../plan/release-load';
import { EXIT } from '../../starters/exit-codes';
import { runCli } from '../support/cli';
import { releaseProblems } from '../support/release-problems';

const example = () => parse(readFileSync(path.join(__dirname, '..', '..', 'examples', 'lambda-release.yaml'), 'utf8'));
const dir = mkdtempSync(path.join(tmpdir(), 'glidepath-release-migrations-'));

const migrate = {
  run: { type: 'lambda', functionName: 'shop-migrate-staging', payload: { to: 7 } },
  down: { type: 'lambda', functionName: 'shop-migrate-staging', payload: { to: 6 } },
};

/** The example with the API migrating, and `edit` applied. */
function withMigration(edit: (doc: any) => void = () => undefined): any {
  const doc = example();
  doc.components.api.migration = structuredClone(migrate);
  edit(doc);
  return doc;
}

const prodOverride = { run: { functionName: 'shop-migrate-prod' }, down: { functionName: 'shop-migrate-prod' } };

describe("a stage's migration", () => {
  it('a component in two stages with one migration task is refused: staging would be migrated twice, prod never', () => {
    const message = releaseProblems(withMigration());
    expect(message).toContain(
      'stages[1].targets[0]: stage prod would run the same migration task as stage staging (lambda ' +
        "shop-migrate-staging): a task is not told its stage, so it would migrate staging's database again and " +
        "prod's never; give this target prod's own migration (its fields replace the component's, e.g. migration: " +
        '{ run: { functionName: … } }), or migration: null if stage staging migrates the database prod uses',
    );
  });

  it("a stage's override replaces the component's fields: prod migrates with its own function, the payload kept", () => {
    const { stages } = validateRelease(
      withMigration((d) => {
        d.stages[1].targets[0].migration = prodOverride;
        d.stages[1].targets[1].migration = prodOverride;
      }),
    );
    expect(stages[0].migration).toEqual({
      component: 'api',
      migration: {
        run: { type: 'lambda', functionName: 'shop-migrate-staging', payload: { to: 7 }, timeout: '15m' },
        down: { type: 'lambda', functionName: 'shop-migrate-staging', payload: { to: 6 }, timeout: '15m' },
      },
      metadata: { service: 'shop-api', environment: 'staging', release: 'v2' },
    });
    expect(stages[1].migration).toEqual({
      component: 'api',
      migration: {
        run: { type: 'lambda', functionName: 'shop-migrate-prod', payload: { to: 7 }, timeout: '15m' },
        down: { type: 'lambda', functionName: 'shop-migrate-prod', payload: { to: 6 }, timeout: '15m' },
      },
      metadata: { service: 'shop-api', environment: 'prod', release: 'v2' },
    });
  });

  it('down: null removes the down-migration in that stage; migration: null the migration', () => {
    const { stages } = validateRelease(
      withMigration((d) => (d.stages[1].targets[0].migration = { run: { functionName: 'shop-migrate-prod' }, down: null })),
    );
    expect(stages[1].migration?.migration).toEqual({
      run: { type: 'lambda', functionName: 'shop-migrate-prod', payload: { to: 7 }, timeout: '15m' },
    });
    const shared = validateRelease(withMigration((d) => (d.stages[1].targets[0].migration = null)));
    expect(shared.stages[0].migration?.migration.run).toMatchObject({ functionName: 'shop-migrate-staging' });
    expect(shared.stages[1].migration).toBeUndefined();
  });

  it('a migration only one stage runs may be written on that stage alone', () => {
    const { stages } = validateRelease(
      withMigration((d) => {
        delete d.components.api.migration;
        d.stages[1].targets[2].migration = { run: { type: 'lambda', functionName: 'shop-migrate-prod' } };
      }),
    );
    expect(stages[0].migration).toBeUndefined();
    expect(stages[1].migration).toMatchObject({ component: 'worker', migration: { run: { functionName: 'shop-migrate-prod' } } });
  });

  it("one target of a multi-region stage carries the stage's migration; targets that set different ones are refused", () => {
    const { stages } = validateRelease(withMigration((d) => (d.stages[1].targets[1].migration = prodOverride)));
    expect(stages[1].migration).toMatchObject({ component: 'api', migration: { run: { functionName: 'shop-migrate-prod' } } });
    const message = releaseProblems(
      withMigration((d) => {
        d.stages[1].targets[0].migration = prodOverride;
        d.stages[1].targets[1].migration = { run: { functionName: 'shop-migrate-us' } };
      }),
    );
    expect(message).toContain(
      'stages[1].targets: more than one migration in stage prod (api-eu, api-us); at most one runs before the ' +
        "stage's traffic: combine them into one migration task, set migration: null on the targets that should not migrate",
    );
  });

  it('the same task with another timeout is still the same task', () => {
    const message = releaseProblems(
      withMigration((d) => {
        d.stages[1].targets[0].migration = { run: { timeout: '30m' } };
        d.stages[1].targets[1].migration = { run: { timeout: '30m' } };
      }),
    );
    expect(message).toContain('stages[1].targets[0].migration: stage prod would run the same migration task as stage staging');
  });

  it("a bad field of an override is named where it is written; one of the component's, at the component", () => {
    const overridden = releaseProblems(
      withMigration((d) => {
        d.stages[1].targets[0].migration = { run: { functionName: 'not a function!' } };
        d.stages[1].targets[1].migration = { run: { functionName: 'not a function!' } };
      }),
    );
    expect(overridden).toContain('stages[1].targets[0].migration.run.functionName: must be 1-64 letters, digits, "-" or "_"');
    const retyped = releaseProblems(
      withMigration((d) => {
        d.stages[1].targets[0].migration = { run: { type: 'ecs', cluster: 'prod' } };
        d.stages[1].targets[1].migration = { run: { type: 'ecs', cluster: 'prod' } };
      }),
    );
    expect(retyped).toContain('stages[1].targets[0].migration.run.taskDefinition: is required');
    expect(retyped).toContain(
      'stages[1].targets[0].migration.run: "functionName", "payload" are components.api.migration.run\'s and do ' +
        'not belong to a task of type ecs; set them to null here',
    );
    const misspelt = releaseProblems(
      withMigration((d) => {
        d.stages[1].targets[0].migration = { run: { functionNme: 'shop-migrate-prod' } };
        d.stages[1].targets[1].migration = { run: { functionNme: 'shop-migrate-prod' } };
      }),
    );
    expect(misspelt).toContain('stages[1].targets[0].migration.run: unknown field "functionNme"; remove or check the spelling');
    const component = releaseProblems(
      withMigration((d) => {
        d.components.api.migration.run.payload = { to: 7 };
        d.components.api.migration.down.timeout = 5;
        d.stages[1].targets[0].migration = prodOverride;
        d.stages[1].targets[1].migration = prodOverride;
      }),
    );
    expect(component).toMatch(/components\.api\.migration\.down\.timeout: /);
  });

  it('glidepath validate exits 2 with the field and the fix', async () => {
    const file = path.join(dir, 'twice.yaml');
    writeFileSync(file, stringify(withMigration()));
    const run = await runCli(['validate', file]);
    expect(run.code).toBe(EXIT.invalidPlan);
    expect(run.stderr).toContain('stages[1].targets[0]: stage prod would run the same migration task as stage staging');
  });
});
