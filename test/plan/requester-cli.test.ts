/**
 * The requester of a run the CLI starts, through the real `glidepath` binary: who runs the command (--by, the CI
 * user, $USER), never a name the plan or release file gives. A file's `metadata.requestedBy` (or `--set
 * requestedBy=`) that differs exits 2, naming the field, both names and the fix; nothing is started.
 * TEMPORAL_ADDRESS points at a closed port: a deploy or release that got past the check would exit 1, not 2.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EXIT } from '../../starters/exit-codes';
import { runCli } from '../support/cli';

const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-requester-'));
const CI = { TEMPORAL_ADDRESS: '127.0.0.1:9', GLIDEPATH_USER: '', GITHUB_ACTOR: 'octocat', USER: 'runner' };

function planFile(name: string, requestedBy?: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'glidepath/v1',
      metadata: { service: 'payments', environment: 'prod', release: 'v2', ...(requestedBy ? { requestedBy } : {}) },
      target: { type: 'lambda', functionName: 'payments', alias: 'live', code: { s3Bucket: 'artifacts', s3Key: 'payments/v2.zip' } },
      strategy: { type: 'canary', steps: [{ setWeight: 10 }] },
    }),
  );
  return file;
}

describe('the requester of a run the CLI starts', { timeout: 60_000 }, () => {
  it('a plan that names another requester: deploy exits 2 naming the field, both names and the fix', async () => {
    const r = await runCli(['deploy', planFile('spoofed', 'alice')], CI);
    expect(r.code, r.stderr).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain(
      '  - metadata.requestedBy: is "alice", but octocat ($GITHUB_ACTOR) is starting it: the requester is whoever starts a run',
    );
    expect(r.stderr).toContain('remove metadata.requestedBy');
    expect(r.stderr).toContain('Nothing was started.');
  });

  it('--set requestedBy= is refused the same way; validate says so too', async () => {
    const set = await runCli(['deploy', planFile('plain'), '--set', 'requestedBy=alice'], CI);
    expect(set.code, set.stderr).toBe(EXIT.invalidPlan);
    expect(set.stderr).toContain('metadata.requestedBy: is "alice", but octocat ($GITHUB_ACTOR) is starting it');
    const validate = await runCli(['validate', planFile('spoofed-too', 'alice'), '--by', 'carol'], CI);
    expect(validate.code, validate.stderr).toBe(EXIT.invalidPlan);
    expect(validate.stderr).toContain('metadata.requestedBy: is "alice", but carol (--by) is starting it');
  });

  it('a plan that names the requester itself, or none, passes', async () => {
    expect((await runCli(['validate', planFile('same', 'octocat')], CI)).code).toBe(EXIT.ok);
    expect((await runCli(['validate', planFile('named-by', 'carol'), '--by', 'carol'], CI)).code).toBe(EXIT.ok);
    expect((await runCli(['validate', planFile('unnamed')], CI)).code).toBe(EXIT.ok);
  });

  it('a release file that names another requester: release exits 2 the same way', async () => {
    const file = path.join(__dirname, '..', '..', 'examples', 'lambda-release.yaml');
    const r = await runCli(['release', file, '--set', 'requestedBy=alice'], CI);
    expect(r.code, r.stderr).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain('metadata.requestedBy: is "alice", but octocat ($GITHUB_ACTOR) is starting it');
  });
});
