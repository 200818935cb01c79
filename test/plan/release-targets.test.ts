/**
 * One platform target, one deployment: two targets of a release that change the same alias, service or Deployment
 * are refused within a stage as across stages of one environment (two deployments with their own locks would change
 * it at once). What identifies a target is its type's identity fields; a type without them, all of its fields.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateRelease } from '../../plan/release-load';
import { physicalTarget } from '../../plan/release-rules';
import { releaseProblems } from '../support/release-problems';

const example = () => parse(readFileSync(path.join(__dirname, '..', '..', 'examples', 'lambda-release.yaml'), 'utf8'));

function edited(edit: (doc: any) => void): any {
  const doc = example();
  edit(doc);
  return doc;
}

/** The worker on Kubernetes, deployed in prod to two clusters as worker-a and worker-b. */
function kubeWorkers(a: Record<string, unknown>, b: Record<string, unknown>) {
  return edited((d) => {
    d.components.worker.target = {
      type: 'kubernetes',
      namespace: 'shop',
      deployment: 'worker',
      container: 'worker',
      image: 'registry.test/worker:v2',
    };
    d.components.worker.strategy = { type: 'canary', steps: [{ setWeight: 50 }] };
    d.stages[0].targets[1].target = {};
    d.stages[1].targets[2] = { component: 'worker', name: 'worker-a', environment: 'prod-a', target: a };
    d.stages[1].targets[3] = { component: 'worker', name: 'worker-b', environment: 'prod-b', target: b };
    d.stages[1].waves = [];
    d.stages[1].environment = 'prod';
  });
}

describe('one platform target, one deployment', () => {
  it('the same alias twice in one stage is refused', () => {
    expect(releaseProblems(edited((d) => (d.stages[1].targets[1].target = d.stages[1].targets[0].target)))).toContain(
      'stages[1].targets[1]: the same target is already deployed by stages[1].targets[0] in this stage: two ' +
        'deployments, each with its own lock, would change one alias at once; remove one, or point this one at another target',
    );
  });

  it('a Kubernetes Deployment of the same name in two clusters (kubeconfig or context) is two targets; in one cluster, one', () => {
    const twoClusters = validateRelease(kubeWorkers({ kubeconfig: '/etc/glidepath/a' }, { kubeconfig: '/etc/glidepath/b' }));
    expect(twoClusters.stages[1].waves.flat().map((t) => t.name)).toEqual(['api-eu', 'api-us', 'worker-a', 'worker-b']);
    expect(validateRelease(kubeWorkers({ context: 'eu' }, { context: 'us' })).stages[1].waves.flat()).toHaveLength(4);
    expect(releaseProblems(kubeWorkers({ kubeconfig: '/etc/glidepath/a' }, { kubeconfig: '/etc/glidepath/a' }))).toContain(
      'stages[1].targets[3]: the same target is already deployed by stages[1].targets[2] in this stage: two ' +
        'deployments, each with its own lock, would change one Deployment at once',
    );
  });

  it('a target type with no identity fields is identified by all its fields, never by its type alone', () => {
    const edge = (site: string) => ({ type: 'edge', site, bundle: { path: `bundles/${site}.js` } });
    expect(physicalTarget(edge('fra'))).not.toBe(physicalTarget(edge('iad')));
    expect(physicalTarget(edge('fra'))).toBe(physicalTarget({ bundle: { path: 'bundles/fra.js' }, site: 'fra', type: 'edge' }));
    expect(physicalTarget({ type: 'lambda', functionName: 'f', alias: 'live', code: { s3Key: 'a' } })).toBe(
      physicalTarget({ type: 'lambda', functionName: 'f', alias: 'live', code: { s3Key: 'b' } }),
    );
  });
});
