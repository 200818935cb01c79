/** Candidate.data of a Lambda release. The versions themselves are the candidate's stable and new versions. */
import { candidateFields } from '../candidate-data';
import type { CandidateData } from '../types';

export interface LambdaData {
  functionName: string;
  alias: string;
}

export function decodeLambdaData(data: CandidateData): LambdaData {
  const fields = candidateFields(data, 'Lambda');
  return { functionName: fields.text('functionName'), alias: fields.text('alias') };
}
