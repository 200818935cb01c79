/** When a Kubernetes Deployment counts as rolled out (activities/kubernetes/readiness.ts), as `kubectl rollout status` reads it. */
import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ANNOTATION_SCALED, rolloutState } from '../../activities/kubernetes/readiness';

const deployment = (
  replicas: number,
  status: Record<string, unknown>,
  extra: { generation?: number; annotations?: Record<string, string>; deadline?: number } = {},
): V1Deployment => ({
  metadata: { generation: extra.generation ?? 2, annotations: extra.annotations },
  spec: { replicas, progressDeadlineSeconds: extra.deadline, selector: {}, template: {} },
  status: { observedGeneration: 2, ...status },
});
const progressing = (reason: string, status = 'True', message = `${reason} message`) => [{ type: 'Progressing', status, reason, message }];
const longAgo = new Date(Date.now() - 3_600_000).toISOString();

describe('rolloutState', () => {
  const table: Array<[string, V1Deployment, { done: boolean; failed?: RegExp }]> = [
    ['every replica updated and available', deployment(3, { updatedReplicas: 3, availableReplicas: 3, replicas: 3 }), { done: true }],
    [
      'new spec not observed yet',
      deployment(3, { updatedReplicas: 3, availableReplicas: 3, replicas: 3 }, { generation: 3 }),
      { done: false },
    ],
    ['old replicas still running', deployment(3, { updatedReplicas: 3, availableReplicas: 3, replicas: 4 }), { done: false }],
    ['updated but not yet available', deployment(3, { updatedReplicas: 3, availableReplicas: 1, replicas: 3 }), { done: false }],
    [
      'the controller gave up (ProgressDeadlineExceeded)',
      deployment(3, {
        updatedReplicas: 1,
        availableReplicas: 0,
        replicas: 3,
        conditions: progressing('ProgressDeadlineExceeded', 'False'),
      }),
      { done: false, failed: /ProgressDeadlineExceeded/ },
    ],
    [
      'scaled up by Glidepath, never available past the deadline',
      deployment(
        3,
        { updatedReplicas: 3, availableReplicas: 1, replicas: 3, conditions: progressing('NewReplicaSetAvailable') },
        { annotations: { [ANNOTATION_SCALED]: `3@${longAgo}` }, deadline: 60 },
      ),
      { done: false, failed: /not available 60s after scaling to 3 Pods/ },
    ],
    [
      'scaled up by Glidepath, still within the deadline',
      deployment(
        3,
        { updatedReplicas: 3, availableReplicas: 1, replicas: 3, conditions: progressing('NewReplicaSetAvailable') },
        { annotations: { [ANNOTATION_SCALED]: `3@${new Date().toISOString()}` }, deadline: 600 },
      ),
      { done: false },
    ],
  ];
  for (const [label, d, expected] of table) {
    it(label, () => {
      const state = rolloutState(d);
      expect(state.done).toBe(expected.done);
      if (expected.failed) expect(state.failed).toMatch(expected.failed);
      else expect(state.failed).toBeUndefined();
      expect(state.summary).toMatch(/\d+\/3 updated, \d+\/3 available/);
    });
  }
});
