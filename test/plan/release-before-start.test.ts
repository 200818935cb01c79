/**
 * A release file gets the checks a plan file gets before anything starts, on every plan it expands to and on its
 * gates' analyses: a sub-second interval, or an analysis at a link-local or metadata address, is refused with the
 * field as the release file writes it, the cause and the fix, and `glidepath validate` exits 2.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import { ALLOW_LINK_LOCAL_ENV } from '../../plan/link-local';
import { validateRelease } from '../../plan/release-load';
import { EXIT } from '../../starters/exit-codes';
import { runCli } from '../support/cli';
import { releaseProblems } from '../support/release-problems';

const example = () => parse(readFileSync(path.join(__dirname, '..', '..', 'examples', 'lambda-release.yaml'), 'utf8'));

const METADATA = 'http://169.254.169.254/latest/meta-data/';
const LINK_LOCAL =
  `169.254.169.254 is link-local (169.254.0.0/16, where cloud metadata services answer); a check ` +
  `there would read the worker's own cloud credentials. Point it at the ` +
  `service, or set ${ALLOW_LINK_LOCAL_ENV}=true on the workers and here if this is intended`;

const smoke = (url: string, over: Record<string, unknown> = {}) => ({
  analysis: { metrics: [{ name: 'smoke', provider: { type: 'http', url }, interval: '10s', ...over }] },
});

/** The example with an analysis step in the api component's canary (which staging, prod-eu and prod-us all deploy). */
function withComponentAnalysis(step: unknown) {
  const doc = example();
  doc.components.api.strategy.steps.splice(1, 0, step);
  return doc;
}

beforeEach(() => {
  delete process.env[ALLOW_LINK_LOCAL_ENV];
});

describe("a release's plans get the checks before start", () => {
  it("a metadata address in a component's analysis is refused once, where the component writes it", () => {
    const message = releaseProblems(withComponentAnalysis(smoke(METADATA)));
    const line = `components.api.strategy.steps[1].analysis.metrics[0].provider.url: ${LINK_LOCAL}`;
    expect(message).toContain(line);
    expect(message.split(line)).toHaveLength(2); // three targets deploy the component: one line
  });

  it("a stage target's own strategy is located in the stage; a Prometheus address is judged too", () => {
    const doc = example();
    doc.stages[1].targets[0].strategy = {
      type: 'canary',
      steps: [
        { setWeight: 10 },
        { analysis: { metrics: [{ preset: 'error-rate', provider: { type: 'prometheus', address: 'http://[fd00:ec2::254]:9090' } }] } },
        { setWeight: 100 },
      ],
    };
    expect(releaseProblems(doc)).toContain(
      'stages[1].targets[0].strategy.steps[1].analysis.metrics[0].provider.address: [fd00:ec2::254] is the EC2 instance metadata service',
    );
  });

  it("a gate's analysis at a metadata address is refused", () => {
    const doc = example();
    doc.stages[0].gate.analysis = { metrics: [{ name: 'smoke', provider: { type: 'http', url: 'http://metadata.google.internal/x' } }] };
    expect(releaseProblems(doc)).toContain(
      'stages[0].gate.analysis.metrics[0].provider.url: metadata.google.internal is a cloud metadata service; a check there would read',
    );
  });

  it('a sub-second interval is refused with the field and the 1s floor', () => {
    expect(releaseProblems(withComponentAnalysis(smoke('http://shop-api.internal/health', { interval: '100ms' })))).toContain(
      'components.api.strategy.steps[1].analysis.metrics[0].interval: 100ms is too short: use 1s to 1d (measure at ' +
        'most once a second, e.g. interval: 10s)',
    );
  });

  it('the release, and each plan it expands to, is refused past the workflow input limit, naming the target', () => {
    const huge = { name: 'big', provider: { type: 'prometheus', address: 'http://prometheus:9090', query: `up${' '.repeat(600_000)}` } };
    const gate = example();
    gate.stages[0].gate.analysis = { metrics: [{ ...huge, failureCondition: 'result < 1' }] };
    expect(releaseProblems(gate)).toMatch(/\(release\): the release is \d+ KiB as workflow input, over the 512 KiB limit/);
    const target = withComponentAnalysis({ analysis: { metrics: [{ ...huge, failureCondition: 'result < 1' }] } });
    const oversized = releaseProblems(target)
      .split('\n')
      .filter((line) => line.includes('as workflow input, over the 512 KiB limit'))
      .map((line) => line.replace(/^\s*- /, '').replace(/: .*/, ''));
    expect(oversized).toEqual(['stages[0].targets[0]', 'stages[1].targets[0]', 'stages[1].targets[1]', '(release)']);
  });

  it(`with ${ALLOW_LINK_LOCAL_ENV}=true where the CLI runs, the same release validates`, () => {
    process.env[ALLOW_LINK_LOCAL_ENV] = 'true';
    const { stages } = validateRelease(withComponentAnalysis(smoke(METADATA)));
    expect(stages[0].waves[0][0].plan.strategy).toMatchObject({
      steps: [{}, { analysis: { metrics: [{ provider: { url: METADATA } }] } }, {}, {}],
    });
  });

  it('glidepath validate exits 2 naming the field, the cause and the fix; nothing is printed as valid', { timeout: 30_000 }, async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'release-before-start-')), 'release.yaml');
    writeFileSync(file, stringify(withComponentAnalysis(smoke(METADATA))));
    const r = await runCli(['validate', file], { TEMPORAL_ADDRESS: '127.0.0.1:9' });
    expect(r.code, r.stderr).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain(`components.api.strategy.steps[1].analysis.metrics[0].provider.url: ${LINK_LOCAL}`);
    expect(r.stdout).toBe('');
  });
});
