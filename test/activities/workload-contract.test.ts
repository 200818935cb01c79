/**
 * The workload contract without a platform: "already live" is decided once (new and recorded candidates),
 * setTraffic and the default promotion go to the router, and the decoders read the stored candidate shapes
 * that runs in flight and the recorded histories carry.
 */
import { describe, expect, it } from 'vitest';
import { decodeRollingData } from '../../activities/ecs/candidate';
import { decodeCanaryData, encodeCanaryData } from '../../activities/kubernetes/candidate';
import { decodeLambdaData } from '../../activities/lambda/candidate';
import type { TrafficRouter } from '../../activities/traffic-router';
import type { Candidate } from '../../activities/types';
import { releaseCalls } from '../../activities/workload';
import type { Target } from '../../plan/targets';

const target = { type: 'lambda', functionName: 'pay', alias: 'live', code: { s3Bucket: 'b', s3Key: 'k' } } as Target;
const metadata = { service: 'pay', environment: 'test', release: 'v2', requestedBy: 'ci' };

function recording() {
  const calls: string[] = [];
  const router: TrafficRouter = {
    setWeight: async (w) => void calls.push(`setWeight ${w}`),
    pinStable: async () => void calls.push('pinStable'),
    reset: async () => void calls.push('reset'),
    verify: async (w) => ({ ok: true, stable: 100 - w, candidate: w }),
  };
  const platform = releaseCalls((t) => t, {
    decode: (data) => ({ name: data.name }),
    router: () => router,
    recordedUnchanged: (c) => c.data.unchanged === 'true',
    deploy: async () => ({ stableVersion: '1', candidateVersion: '2', data: { name: 'x' } }),
    waitReady: async ({ data }) => void calls.push(`waitReady ${data.name}`),
    rollBack: async ({ router: r }) => {
      calls.push('rollback');
      await r.reset();
    },
    rollBackUnknown: async () => void calls.push('rollBackUnknown'),
  });
  return { calls, platform };
}

describe('releaseCalls', () => {
  it('sends traffic and the default promotion to the router, and decodes the candidate once per call', async () => {
    const { calls, platform } = recording();
    const candidate: Candidate = { stableVersion: '1', candidateVersion: '2', data: { name: 'x' } };
    await platform.waitCandidateReady({ target, metadata, candidate });
    await platform.setTrafficWeight({ target, metadata, candidate, weight: 30 });
    await platform.previewCandidate({ target, metadata, candidate });
    await platform.promoteCandidate({ target, metadata, candidate });
    await platform.retirePrevious({ target, metadata, candidate });
    await platform.rollBack({ target, metadata, candidate });
    await platform.rollBack({ target, metadata });
    expect(calls).toEqual(['waitReady x', 'setWeight 30', 'setWeight 100', 'rollback', 'reset', 'rollBackUnknown']);
  });

  it.each<[string, Candidate]>([
    ['unchanged: true', { stableVersion: '2', candidateVersion: '2', unchanged: true, data: {} }],
    ['recorded the old way', { stableVersion: '1', candidateVersion: '2', data: { unchanged: 'true' } }],
  ])('leaves a release already live alone (%s)', async (_, candidate) => {
    const { calls, platform } = recording();
    await platform.waitCandidateReady({ target, metadata, candidate });
    await platform.setTrafficWeight({ target, metadata, candidate, weight: 50 });
    await platform.promoteCandidate({ target, metadata, candidate });
    await platform.rollBack({ target, metadata, candidate });
    await platform.retirePrevious({ target, metadata, candidate });
    expect(calls).toEqual([]);
  });
});

describe('candidate decoders', () => {
  it('read the Lambda data the recorded histories carry', () => {
    expect(decodeLambdaData({ functionName: 'pay-75b0df9d', alias: 'live' })).toEqual({ functionName: 'pay-75b0df9d', alias: 'live' });
  });

  it('read a Kubernetes canary stored as text, and store it back the same', () => {
    const stored = {
      mode: 'canary',
      traffic: 'gatewayRoute',
      namespace: 'ns',
      stableDeployment: 'web',
      canaryDeployment: 'web-canary',
      container: 'app',
      release: 'v2',
      stableRelease: '',
      stableTrack: '',
      stableImage: 'web:v1',
      replicas: '4',
      stableSelector: '{"app":"web","pod-template-hash":"abc"}',
      canarySelector: '{"app":"web","glidepath/release":"v2"}',
    };
    const data = decodeCanaryData(stored);
    expect(data).toMatchObject({ replicas: 4, stableSelector: { app: 'web', 'pod-template-hash': 'abc' } });
    expect(encodeCanaryData(data)).toEqual(stored);
    expect(
      encodeCanaryData(decodeCanaryData({ ...stored, traffic: 'replicaRatio', stableSelector: '', canarySelector: '' })),
    ).toMatchObject({
      stableSelector: '',
      canarySelector: '',
    });
  });

  it('refuse data that is not theirs, naming the field (non-retryable)', () => {
    expect(() => decodeRollingData({ functionName: 'pay', alias: 'live' })).toThrow(/ECS rolling update candidate's "mode"/);
    expect(() => decodeCanaryData({ mode: 'canary', traffic: 'gatewayRoute', replicas: 'four' })).toThrow(/"namespace" is missing/);
  });
});
