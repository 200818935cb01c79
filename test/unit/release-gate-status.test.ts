/** A gate's analysis in the release's views: the tree (`glidepath status release:<system>`) and the Web UI's details. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateRelease } from '../../plan/release-load';
import { type ReleaseStatus, initialReleaseStatus, renderReleaseDetails, renderReleaseTree } from '../../workflows/release-status';

function status(): ReleaseStatus {
  const doc = parse(readFileSync(path.join(__dirname, '..', '..', 'examples', 'lambda-release.yaml'), 'utf8'));
  doc.stages[0].gate.analysis = { metrics: [{ name: 'smoke', provider: { type: 'http', url: 'http://checks.internal/{{environment}}' } }] };
  const { release, stages } = validateRelease(doc);
  return initialReleaseStatus(release, stages, new Date('2026-11-28T09:00:00.000Z'));
}

const at = '2026-11-28T10:00:00.000Z';

describe("a gate's analysis in the release views", () => {
  it('is pending under its stage until the stage is promoted; only stages with one show it', () => {
    const s = status();
    expect(s.stages.map((stage) => stage.gateAnalysis?.name)).toEqual(['staging-gate', undefined]);
    expect(renderReleaseTree(s).filter((l) => l.includes('gate'))).toEqual(['  gate    analysis "staging-gate": pending']);
  });

  it("shows its state and each metric's latest measurement, and the details list the latest measurements", () => {
    const s = status();
    s.stages[0].gateAnalysis = {
      name: 'staging-gate',
      state: 'failed',
      message: 'smoke failed: 1 of 1 measurements failed',
      measurements: [
        { analysis: 'staging-gate', metric: 'smoke', value: 200, outcome: 'passed', at },
        { analysis: 'staging-gate', metric: 'smoke', value: 503, outcome: 'failed', at, message: 'HTTP 503, expected 200' },
      ],
    };
    expect(renderReleaseTree(s)).toContain(
      '  gate    analysis "staging-gate": failed (smoke failed: 1 of 1 measurements failed) · smoke = 503 failed',
    );
    const details = renderReleaseDetails(s, 'release:shop');
    expect(details).toContain('**Gate analyses, latest measurements:**');
    expect(details).toContain(`- ${at} staging-gate/smoke = 503 failed (HTTP 503, expected 200)`);
  });

  it('an inconclusive one waits for promote, and the details say how to send it', () => {
    const s = status();
    s.phase = 'AwaitingPromotion';
    s.gate = { kind: 'inconclusive-analysis', name: 'staging-gate', deadline: '2026-11-29T10:00:00.000Z', onTimeout: 'abort' };
    const details = renderReleaseDetails(s, 'release:shop');
    expect(details).toContain('**Waiting for:** inconclusive-analysis `staging-gate` until 2026-11-29T10:00:00.000Z');
    expect(details).toContain('`glidepath promote release:shop`');
    expect(details).not.toContain('glidepath approve');
  });

  it('the Web UI gets the tree as a line per stage and a list item per target, which wrap instead of being cut', () => {
    const s = status();
    const target = s.stages[1].targets[0];
    Object.assign(target, { state: 'running', stableVersion: 'v1', candidateVersion: 'v2', message: 'deploying' });
    const details = renderReleaseDetails(s, 'release:shop').split('\n');
    expect(details).not.toContain('```');
    expect(details).toContain(`**${s.stages[1].name}** (${s.stages[1].environment}): ${s.stages[1].state}`);
    const row = `- wave ${target.wave} · **${target.component}** · \`${target.workflowId}\``;
    expect(details).toContain(`${row} · running · v1 → v2 · deploying`);
    expect(details).toContain('- gate: analysis "staging-gate": pending');
  });
});
