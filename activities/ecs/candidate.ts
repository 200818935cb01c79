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
  const fields = candidateFields(data, 'ECS service pair');
  return {
    cluster: fields.text('cluster'),
    stableService: fields.text('stableService'),
    candidateService: fields.text('candidateService'),
    stableTargetGroupArn: fields.text('stableTargetGroupArn'),
    candidateTargetGroupArn: fields.text('candidateTargetGroupArn'),
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
  const fields = candidateFields(data, 'ECS rolling update');
  return {
    mode: fields.oneOf('mode', ['rolling']),
    cluster: fields.text('cluster'),
    service: fields.text('service'),
    taskDefinitionArn: fields.text('taskDefinitionArn'),
    previousTaskDefinitionArn: fields.text('previousTaskDefinitionArn'),
  };
}
