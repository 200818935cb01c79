/** How platform errors become retry decisions (activities/errors.ts), and how undo calls keep retrying. */
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classify } from '../../activities/errors';
import { retriedByPolicy } from '../../activities/index';

const aws = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const kube = (code: number, reason: string) =>
  Object.assign(new Error('HTTP-Code: ...'), {
    code,
    headers: {},
    body: JSON.stringify({ kind: 'Status', reason, message: `${reason} message` }),
  });

describe('classify', () => {
  const table: Array<[string, unknown, { retried: boolean; type?: string }]> = [
    ['AWS throttling (429)', aws('ThrottlingException', 429), { retried: true }],
    ['AWS 503', aws('ServiceUnavailable', 503), { retried: true }],
    ['AWS not found (404)', aws('ResourceNotFoundException', 404), { retried: false, type: 'NotFound' }],
    ['AWS access denied (403)', aws('AccessDeniedException', 403), { retried: false, type: 'AccessDenied' }],
    ['AWS validation (400)', aws('ValidationException', 400), { retried: false, type: 'InvalidPlan' }],
    ['AWS conflict (409)', aws('ResourceConflictException', 409), { retried: true, type: 'Conflict' }],
    ['an unknown error', new Error('socket hang up'), { retried: true }],
    ['Kubernetes 404', kube(404, 'NotFound'), { retried: false, type: 'NotFound' }],
    ['Kubernetes 403', kube(403, 'Forbidden'), { retried: false, type: 'AccessDenied' }],
    ['Kubernetes 422', kube(422, 'Invalid'), { retried: false, type: 'InvalidPlan' }],
    ['Kubernetes 409', kube(409, 'Conflict'), { retried: true, type: 'Conflict' }],
    ['Kubernetes 500', kube(500, 'InternalError'), { retried: true, type: 'KubernetesApi' }],
    ['Kubernetes 429', kube(429, 'TooManyRequests'), { retried: true, type: 'Throttled' }],
  ];
  for (const [label, error, expected] of table) {
    it(label, () => {
      const out = classify(error);
      if (out instanceof ApplicationFailure) {
        expect({ retried: !out.nonRetryable, type: out.type }).toEqual({ retried: expected.retried, type: expected.type });
      } else {
        expect(out).toBe(error); // passed through: the activity's retry policy retries it
        expect(expected).toEqual({ retried: true });
      }
    });
  }

  it('keeps an ApplicationFailure an adapter raised on purpose', () => {
    const failure = ApplicationFailure.nonRetryable('alias taken by another rollout', 'Conflict');
    expect(classify(failure)).toBe(failure);
  });

  it('reports a Kubernetes Status message, not the client’s header dump', () => {
    expect((classify(kube(404, 'NotFound')) as ApplicationFailure).message).toBe('Kubernetes API 404 NotFound: NotFound message');
  });
});

describe('undo calls are retried by their policy', () => {
  it('turns a non-retryable failure into a retryable one of the same type and message', async () => {
    const undo = retriedByPolicy(async () => {
      throw ApplicationFailure.nonRetryable('not authorized to perform lambda:UpdateAlias', 'AccessDenied');
    });
    const err = (await undo(undefined).catch((e) => e)) as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect({ nonRetryable: err.nonRetryable, type: err.type, message: err.message }).toEqual({
      nonRetryable: false,
      type: 'AccessDenied',
      message: 'not authorized to perform lambda:UpdateAlias',
    });
  });

  it('passes results and other errors through unchanged', async () => {
    expect(await retriedByPolicy(async (x: number) => x * 2)(21)).toBe(42);
    const plain = new Error('socket hang up');
    await expect(retriedByPolicy(async () => Promise.reject(plain))(undefined)).rejects.toBe(plain);
  });
});
