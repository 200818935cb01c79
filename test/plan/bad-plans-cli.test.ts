/**
 * Some of the bad-plan corpus through the real `glidepath` binary: `validate` and `deploy` exit 2, name the
 * field on stderr and start nothing. TEMPORAL_ADDRESS points at a closed port, so a deploy that got past
 * validation would exit 1 (cannot connect), not 2.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { badPlans } from './bad-plan-corpus';
import { type CliRun, runCli } from '../support/cli';

function glidepath(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { TEMPORAL_ADDRESS: '127.0.0.1:9', GLIDEPATH_USER: 'ci-bot', ...env });
}

/** One plan of each class. */
const sample = [
  'set/index-huge',
  'yaml/utf16-le-bom',
  'durations/pause-overflowing',
  'steps/approvers-empty-list',
  'analysis/http-aws-metadata',
  'secrets/aws-access-key-id-value',
  'names/requested-by-ansi-colour',
  'images/ecs-image-with-scheme',
  'hints/release-as-decimal',
];
const plans = badPlans().filter((p) => sample.includes(`${p.class}/${p.name}`));
const example = path.join(__dirname, '..', '..', 'examples', 'lambda-canary.yaml');

describe('glidepath validate and deploy on bad plans', { timeout: 60_000 }, () => {
  it('samples every class', () => expect(plans).toHaveLength(sample.length));

  it.each(plans.map((p) => [`${p.class}/${p.name}`, p] as const))('validate %s: exit 2 with the field on stderr', async (_, p) => {
    const r = await glidepath(['validate', p.file, ...p.sets.flatMap((s) => ['--set', s])]);
    expect(r.code, r.stderr).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain(`  - ${p.path || '(plan)'}: `);
    expect(r.stderr.toLowerCase()).toContain(p.message.toLowerCase());
    expect(r.stderr).toContain('Nothing was started.');
    expect(r.stdout).toBe('');
  });

  it('deploy of a bad plan exits 2 before connecting to Temporal', async () => {
    const p = plans.find((x) => x.class === 'secrets')!;
    const r = await glidepath(['deploy', p.file, '--follow']);
    expect(r.code).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain(p.path);
  });

  it('deploy --by with an escape sequence exits 2: requestedBy is read by people', async () => {
    const r = await glidepath(['deploy', example, '--by', 'alice\u001b[31m']);
    expect(r.code).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain('metadata.requestedBy (from --by');
  });

  it('--set release=1.10 keeps "1.10"; a canary without setWeight says what it will do', async () => {
    const r = await glidepath(['validate', example, '--set', 'release=1.10']);
    expect(r.stdout).toContain('@ 1.10');
    const rolling = path.join(__dirname, '..', 'fixtures', 'plans', 'canary-without-weights.yaml');
    const note = await glidepath(['validate', rolling]);
    expect(note.code).toBe(EXIT.ok);
    expect(note.stdout).toContain(
      'no step sets a weight: the new version runs beside the current one with no traffic while the steps run, ' +
        'then takes all traffic at once',
    );
  });

  it('link-local checks pass when GLIDEPATH_ALLOW_LINK_LOCAL_HTTP=true', async () => {
    const p = plans.find((x) => x.name === 'http-aws-metadata')!;
    const r = await glidepath(['validate', p.file], { GLIDEPATH_ALLOW_LINK_LOCAL_HTTP: 'true' });
    expect(r.code, r.stderr).toBe(EXIT.ok);
  });
});
