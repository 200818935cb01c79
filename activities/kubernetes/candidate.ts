/**
 * Candidate.data of the two Kubernetes workloads, fixed at deploy time. It is also kept in an annotation on the
 * release Deployment (deployments.ts), so a rollback whose deploy call never returned still knows what to undo;
 * both places hold the stored text form, which these decoders read and encoders write.
 */
import { candidateFields, storedData } from '../candidate-data';
import type { CandidateData } from '../types';
import { type Selector, decodeSelector, encodeSelector } from './services';

/** The stored form of a selector: JSON, or '' when there is none. */
const storedSelector = (s: Selector) => (Object.keys(s).length ? encodeSelector(s) : '');

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
  const f = candidateFields(data, 'Kubernetes canary');
  return {
    mode: f.oneOf('mode', ['canary']),
    traffic: f.oneOf('traffic', ['gatewayRoute', 'replicaRatio']),
    namespace: f.text('namespace'),
    stableDeployment: f.text('stableDeployment'),
    canaryDeployment: f.text('canaryDeployment'),
    container: f.text('container'),
    release: f.text('release'),
    stableRelease: f.optionalText('stableRelease'),
    stableTrack: f.optionalText('stableTrack'),
    stableImage: f.optionalText('stableImage'),
    replicas: f.count('replicas'),
    stableSelector: decodeSelector(f.optionalText('stableSelector')),
    canarySelector: decodeSelector(f.optionalText('canarySelector')),
  };
}

export function encodeCanaryData(d: CanaryData): CandidateData {
  return storedData({ ...d, stableSelector: storedSelector(d.stableSelector), canarySelector: storedSelector(d.canarySelector) });
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
  const f = candidateFields(data, 'Kubernetes blue-green');
  return {
    mode: f.oneOf('mode', ['blueGreen']),
    namespace: f.text('namespace'),
    stableDeployment: f.text('stableDeployment'),
    candidateDeployment: f.text('candidateDeployment'),
    release: f.text('release'),
    activeService: f.text('activeService'),
    previewService: f.text('previewService'),
    stableSelector: decodeSelector(f.optionalText('stableSelector')),
    candidateSelector: decodeSelector(f.optionalText('candidateSelector')),
  };
}

export function encodeBlueGreenData(d: BlueGreenData): CandidateData {
  return storedData({ ...d, stableSelector: storedSelector(d.stableSelector), candidateSelector: storedSelector(d.candidateSelector) });
}

/** Candidates recorded before `Candidate.unchanged` said "already live" in their data. */
export const recordedUnchanged = (c: { data: CandidateData }) => c.data.unchanged === 'true';
