/**
 * Waves of a release stage: `after:` holds only within a wave, so a wave order that would start a target before
 * one it comes after is refused (exit 2, with the waves that fix it); percent waves round up, so a small first
 * wave still takes a target.
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
const dir = mkdtempSync(path.join(tmpdir(), 'glidepath-release-waves-'));

function edited(edit: (doc: any) => void): any {
  const doc = example();
  edit(doc);
  return doc;
}

const waveNames = (doc: any, stage: number) => validateRelease(doc).stages[stage].waves.map((w) => w.map((t) => t.name));

describe('waves and after:', () => {
  it('the worker in a wave before the API it comes after is refused', () => {
    expect(releaseProblems(edited((d) => (d.stages[0].waves = [{ targets: ['worker'] }, { targets: ['api'] }])))).toContain(
      'stages[0].waves[0].targets[0]: worker runs in wave 1, before api (wave 2), but worker comes after api, ' +
        'and a target waits only for those of its own wave: move worker to wave 2 or later, or api to wave 1 or earlier, ' +
        'or remove api from components.worker.after',
    );
  });

  it('the worker with one API region, before the other, is refused; after both, or beside the last, it validates', () => {
    expect(releaseProblems(edited((d) => (d.stages[1].waves = [{ targets: ['api-eu', 'worker'] }, { targets: ['api-us'] }])))).toContain(
      'stages[1].waves[0].targets[1]: worker runs in wave 1, before api-us (wave 2), but worker comes after api',
    );
    expect(waveNames(example(), 1)).toEqual([['api-eu'], ['api-us', 'worker']]);
    expect(
      waveNames(
        edited((d) => (d.stages[1].waves = [{ targets: ['api-eu', 'api-us'] }])),
        1,
      ),
    ).toEqual([['api-eu', 'api-us'], ['worker']]);
  });

  it("a percent wave that takes the worker first is refused too, at the stage's waves", () => {
    const workerFirst = (d: any) => {
      d.stages[0].targets.reverse();
      d.stages[0].waves = [{ percent: 50 }];
    };
    expect(releaseProblems(edited(workerFirst))).toContain('stages[0].waves: worker runs in wave 1, before api (wave 2)');
    expect(
      waveNames(
        edited((d) => (d.stages[0].waves = [{ percent: 50 }])),
        0,
      ),
    ).toEqual([['api'], ['worker']]);
  });

  it('glidepath validate exits 2 naming the wave', async () => {
    const file = path.join(dir, 'worker-first.yaml');
    writeFileSync(file, stringify(edited((d) => (d.stages[0].waves = [{ targets: ['worker'] }, { targets: ['api'] }]))));
    const run = await runCli(['validate', file]);
    expect(run.code).toBe(EXIT.invalidPlan);
    expect(run.stderr).toContain('stages[0].waves[0].targets[0]: worker runs in wave 1, before api (wave 2)');
  });
});

describe('percent waves', () => {
  it('round up: a small first wave still takes one target; the share counts the earlier waves', () => {
    const prod = (waves: unknown[]) =>
      waveNames(
        edited((d) => (d.stages[1].waves = waves)),
        1,
      );
    expect(prod([{ percent: 10 }])).toEqual([['api-eu'], ['api-us', 'worker']]);
    expect(prod([{ percent: 34 }])).toEqual([['api-eu', 'api-us'], ['worker']]);
    expect(prod([{ percent: 33 }, { percent: 66 }])).toEqual([['api-eu'], ['api-us'], ['worker']]);
    expect(prod([{ targets: ['api-eu'] }, { percent: 50 }])).toEqual([['api-eu'], ['api-us'], ['worker']]);
  });
});
