/**
 * A plan and a release file differ by `kind: Release`. The real binary, given a file of the other kind (or a release
 * file that lost its kind), exits 2 with one line saying which it is and what to run, not the other kind's errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { runCli } from '../support/cli';

const root = path.join(__dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'glidepath-kind-'));
/** An address nothing listens on: every refusal here comes before any connection. */
const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
const releaseFile = path.join(root, 'examples', 'lambda-release.yaml');
const planFile = path.join(root, 'examples', 'lambda-canary.yaml');

function withoutKind(): string {
  const file = path.join(dir, 'release-without-kind.yaml');
  writeFileSync(file, readFileSync(releaseFile, 'utf8').replace(/^kind: Release\n/m, ''));
  return file;
}

describe('a file of the other kind', () => {
  it('a release file without kind: validate and deploy say to add it, release says it is required', async () => {
    const file = withoutKind();
    for (const command of ['validate', 'deploy']) {
      const run = await runCli([command, file], env);
      expect(run.code).toBe(EXIT.invalidPlan);
      expect(run.stderr).toContain(
        `${file}: invalid plan\n  - kind: is missing: the file has components and stages, so it reads like a ` +
          `release file, and without kind: Release it is read as a plan; add kind: Release at the top\nNothing was started.`,
      );
    }
    const release = await runCli(['release', file], env);
    expect(release.code).toBe(EXIT.invalidPlan);
    expect(release.stderr).toContain(
      '  - kind: is required: a release file says kind: Release at the top (without it, glidepath validate reads the file as a plan)',
    );
  });

  it('a release file given to deploy says to use release; a plan given to release says to use deploy', async () => {
    const deploy = await runCli(['deploy', releaseFile], env);
    expect(deploy.code).toBe(EXIT.invalidPlan);
    expect(deploy.stderr).toContain(
      `  - kind: this is a release file (kind: Release), not a plan: start it with glidepath release ${releaseFile}\n`,
    );
    const release = await runCli(['release', planFile], env);
    expect(release.code).toBe(EXIT.invalidPlan);
    expect(release.stderr).toContain(`it is a plan, not a release file; start it with glidepath deploy ${planFile}`);
    expect(release.stderr.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(1);
  });
});
