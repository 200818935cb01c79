/** A target's own gate in the release's views: the tree (`status release:<system>`) and the Web UI's Current Details. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateRelease } from '../../plan/release-load';
import { type ReleaseStatus, initialReleaseStatus, renderReleaseDetails, renderReleaseTree } from '../../workflows/release-status';

function waitingTarget(): { s: ReleaseStatus; id: string } {
  const doc = parse(readFileSync(path.join(__dirname, '..', '..', 'examples', 'lambda-release.yaml'), 'utf8'));
  const { release, stages } = validateRelease(doc);
  const s = initialReleaseStatus(release, stages, new Date('2026-11-28T09:00:00.000Z'));
  const target = s.stages[1].targets[0];
  Object.assign(target, {
    state: 'running',
    message: 'deploying',
    gate: { kind: 'approval', name: 'eu-go', approvers: ['alice', 'bob'], deadline: '2026-11-28T11:00:00.000Z', onTimeout: 'abort' },
  });
  return { s, id: target.workflowId };
}

describe("a target's gate in the release views", () => {
  it('the tree names the gate, who may answer it and the command', () => {
    const { s, id } = waitingTarget();
    expect(renderReleaseTree(s).find((l) => l.includes(id))).toMatch(
      new RegExp(`running  deploying  → waiting for approval "eu-go" by alice/bob: glidepath approve ${id}$`),
    );
  });

  it('Current Details say it near the top and in the tree', () => {
    const { s, id } = waitingTarget();
    const details = renderReleaseDetails(s, 'release:shop');
    expect(details).toContain(`**Target \`${id}\`** waiting for approval "eu-go" by alice/bob: \`glidepath approve ${id} --by <you>\``);
    expect(details).toContain(
      `\`${id}\` · running · deploying · **waiting for approval "eu-go" by alice/bob: \`glidepath approve ${id}\`**`,
    );
  });

  it('a target that moved waits at no gate of its own, whatever it last reported', () => {
    const { s, id } = waitingTarget();
    s.stages[1].targets[0].state = 'held';
    expect(renderReleaseTree(s).join('\n')).not.toContain('waiting for');
    expect(renderReleaseDetails(s, 'release:shop')).not.toContain(`**Target \`${id}\`**`);
  });
});
