/**
 * Candidate.data of the two Kubernetes workloads, fixed at deploy time. It is also kept in an annotation on the
 * release Deployment (deployments.ts), so a rollback whose deploy call never returned still knows what to undo;
 * both places hold the stored text form, which these decoders read and encoders write.
 */
import { candidateFields, storedData } from '../candidate-data';
import type { CandidateData } from '../types';
import { type Selector, decodeSelector, encodeSelector } from './services';

/** The stored form of a selector: JSON, or '' when there is none. */
const storedSelector = (selector: Selector) => (Object.keys(selector).length ? encodeSelector(selector) : '');

export interface CanaryData {
  mode: 'canary';
  /** How traffic moves: HTTPRoute weights, or the share of canary Pods behind the shared Service. */
  traffic: 'gatewayRoute' | 'replicaRatio';
  namespace: string;
  stableDeployment: string;
  canaryDeployment: string;
  container: string;
  /** The glidepath/release label of the new version, and of the stable one before it ('' if none). */
  release: string;
  stableRelease: string;
  stableTrack: string;
  stableImage: string;
  /** Pods of the version that takes all traffic. */
  replicas: number;
  /** Gateway API: the stable Service's selector pinned to the stable ReplicaSet, and the canary Service's. */
  stableSelector: Selector;
  canarySelector: Selector;
}

export function decodeCanaryData(data: CandidateData): CanaryData {
  const fields = candidateFields(data, 'Kubernetes canary');
  return {
    mode: fields.oneOf('mode', ['canary']),
    traffic: fields.oneOf('traffic', ['gatewayRoute', 'replicaRatio']),
    namespace: fields.text('namespace'),
    stableDeployment: fields.text('stableDeployment'),
    canaryDeployment: fields.text('canaryDeployment'),
    container: fields.text('container'),
    release: fields.text('release'),
    stableRelease: fields.optionalText('stableRelease'),
    stableTrack: fields.optionalText('stableTrack'),
    stableImage: fields.optionalText('stableImage'),
    replicas: fields.count('replicas'),
    stableSelector: decodeSelector(fields.optionalText('stableSelector')),
    canarySelector: decodeSelector(fields.optionalText('canarySelector')),
  };
}

export function encodeCanaryData(data: CanaryData): CandidateData {
  return storedData({ ...data, stableSelector: storedSelector(data.stableSelector), canarySelector: storedSelector(data.canarySelector) });
}

export interface BlueGreenData {
  mode: 'blueGreen';
  namespace: string;
  stableDeployment: string;
  candidateDeployment: string;
  release: string;
  activeService: string;
  previewService: string;
  /** The active Service's selector pinned to the stable ReplicaSet; the new version's selector. */
  stableSelector: Selector;
  candidateSelector: Selector;
}

export function decodeBlueGreenData(data: CandidateData): BlueGreenData {
  const fields = candidateFields(data, 'Kubernetes blue-green');
  return {
    mode: fields.oneOf('mode', ['blueGreen']),
    namespace: fields.text('namespace'),
    stableDeployment: fields.text('stableDeployment'),
    candidateDeployment: fields.text('candidateDeployment'),
    release: fields.text('release'),
    activeService: fields.text('activeService'),
    previewService: fields.text('previewService'),
    stableSelector: decodeSelector(fields.optionalText('stableSelector')),
    candidateSelector: decodeSelector(fields.optionalText('candidateSelector')),
  };
}

export function encodeBlueGreenData(data: BlueGreenData): CandidateData {
  return storedData({
    ...data,
    stableSelector: storedSelector(data.stableSelector),
    candidateSelector: storedSelector(data.candidateSelector),
  });
}

/** Candidates recorded before `Candidate.unchanged` said "already live" in their data. */
export const recordedUnchanged = (candidate: { data: CandidateData }) => candidate.data.unchanged === 'true';
