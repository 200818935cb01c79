/**
 * A stage gate's analysis in the release file: the analysis body of a canary step, blocking only, whose templates
 * may use what a promoted stage has ({{environment}}, {{release}}, {{service}} in a stage of one service). Bad
 * ones name the field, the cause and the fix, and `glidepath validate` exits 2.
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

const smoke = (url: string, over: Record<string, unknown> = {}) => ({
  name: 'staging-health',
  metrics: [{ name: 'smoke', provider: { type: 'http', url }, count: 3, interval: '10s' }],
  ...over,
});

function withGateAnalysis(analysis: unknown, edit: (doc: any) => void = () => undefined) {
  const doc = example();
  doc.stages[0].gate.analysis = analysis;
  edit(doc);
  return doc;
}

describe('gate.analysis of a release stage', () => {
  it('is the analysis body of a canary step, with its defaults; the stage carries it to the workflow', () => {
    const { stages } = validateRelease(withGateAnalysis(smoke('http://checks.internal/{{environment}}/{{release}}/health')));
    expect(stages[0].gate?.analysis).toEqual({
      name: 'staging-health',
      background: false,
      inconclusiveTimeout: '24h',
      metrics: [
        {
          name: 'smoke',
          provider: { type: 'http', url: 'http://checks.internal/{{environment}}/{{release}}/health', expectStatus: 200, timeout: '10s' },
          count: 3,
          interval: '10s',
          failureLimit: 0,
          consecutiveErrorLimit: 4,
          inconclusiveLimit: 0,
        },
      ],
    });
    expect(stages[0].gate).toMatchObject({ soak: '30s', approval: { name: 'go-to-prod' } });
  });

  it('{{service}} is allowed in a stage of one service, refused in a stage of several', () => {
    const oneService = withGateAnalysis(smoke('http://{{service}}.internal/health'), (d) => (d.stages[0].targets = [{ component: 'api' }]));
    expect(
      validateRelease(oneService)
        .stages[0].waves.flat()
        .map((t) => t.workflowId),
    ).toEqual(['deploy:shop-api/staging']);
    expect(releaseProblems(withGateAnalysis(smoke('http://{{service}}.internal/health')))).toContain(
      'stages[0].gate.analysis.metrics[0]: metric "smoke": stage staging deploys shop-api and shop-worker, so ' +
        '{{service}} has no value at its gate',
    );
  });

  it('a canary or stable version, and presets (which compare them), are refused with the variables a gate has', () => {
    expect(releaseProblems(withGateAnalysis(smoke('http://checks.internal/{{canaryVersion}}')))).toContain(
      'stages[0].gate.analysis.metrics[0]: metric "smoke": {{canaryVersion}} has no value at a gate: the stage is ' +
        'promoted and runs one version',
    );
    const preset = { metrics: [{ preset: 'error-rate', provider: { type: 'prometheus', address: 'http://prometheus:9090' } }] };
    const message = releaseProblems(withGateAnalysis(preset));
    expect(message).toContain('stages[0].gate.analysis.metrics[0]: metric "error-rate": {{canaryVersion}} has no value at a gate');
    expect(message).toContain('presets compare the canary with the stable version: write the metric out');
    expect(message).toContain("a gate's templates may use {{environment}}, {{release}}");
    expect(message.match(/metrics\[0\]/g)).toHaveLength(1); // one issue per metric, every cause in it
    expect(message).toContain('so {{service}} has no value at its gate');
  });

  it('background is refused: the analysis already measures beside the soak', () => {
    expect(releaseProblems(withGateAnalysis(smoke('http://checks.internal/health', { background: true })))).toContain(
      "stages[0].gate.analysis.background: a gate's analysis already measures beside the soak and holds the next " +
        'stage until it passes; remove background',
    );
  });

  it('the analysis rules of a plan apply: unknown fields, a metric without a verdict, the last stage', () => {
    expect(
      releaseProblems(withGateAnalysis({ metrics: [{ name: 'smoke', provider: { type: 'http', url: 'http://x/health', status: 200 } }] })),
    ).toContain('stages[0].gate.analysis.metrics[0].provider.status: unknown field "status"');
    const noCondition = { metrics: [{ name: 'rate', provider: { type: 'prometheus', address: 'http://p:9090', query: 'up' } }] };
    expect(releaseProblems(withGateAnalysis(noCondition))).toContain(
      'stages[0].gate.analysis.metrics[0].failureCondition: a metric needs successCondition and/or failureCondition',
    );
    const last = example();
    last.stages[1].gate = { analysis: smoke('http://checks.internal/health') };
    expect(releaseProblems(last)).toContain('stages[1].gate: the last stage has no next stage to gate');
  });

  it('glidepath validate exits 2 naming the field, and prints a valid one', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gate-analysis-'));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, stringify(withGateAnalysis(smoke('http://checks.internal/{{stableVersion}}'))));
    const r = await runCli(['validate', bad], { TEMPORAL_ADDRESS: '127.0.0.1:9' });
    expect(r.code, r.stderr).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain('stages[0].gate.analysis.metrics[0]: metric "smoke": {{stableVersion}} has no value at a gate');
    expect(r.stdout).toBe('');
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, stringify(withGateAnalysis(smoke('http://checks.internal/{{environment}}/health'))));
    const ok = await runCli(['validate', good], { TEMPORAL_ADDRESS: '127.0.0.1:9' });
    expect(ok.code, ok.stderr).toBe(EXIT.ok);
    expect(ok.stdout).toContain('valid release of shop @ v2');
  });
});
