/** Candidate.data of the two ECS workloads, fixed at deploy time: everything later calls need. */
import { candidateFields } from '../candidate-data';
import type { CandidateData } from '../types';

/** A service-pair release: the new service beside the live one, each on one of the two target groups. */
export interface PairData {
  cluster: string;
  stableService: string;
  candidateService: string;
  stableTargetGroupArn: string;
  candidateTargetGroupArn: string;
}

export function decodePairData(data: CandidateData): PairData {
  const f = candidateFields(data, 'ECS service pair');
  return {
    cluster: f.text('cluster'),
    stableService: f.text('stableService'),
    candidateService: f.text('candidateService'),
    stableTargetGroupArn: f.text('stableTargetGroupArn'),
    candidateTargetGroupArn: f.text('candidateTargetGroupArn'),
  };
}

/** A rolling update: the service and the task definition revisions it moves between. */
export interface RollingData {
  mode: 'rolling';
  cluster: string;
  service: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn: string;
}

export function decodeRollingData(data: CandidateData): RollingData {
  const f = candidateFields(data, 'ECS rolling update');
  return {
    mode: f.oneOf('mode', ['rolling']),
    cluster: f.text('cluster'),
    service: f.text('service'),
    taskDefinitionArn: f.text('taskDefinitionArn'),
    previousTaskDefinitionArn: f.text('previousTaskDefinitionArn'),
  };
}
