/** Running the analyzer the way the worker does: inside an activity context (heartbeats, cancellation). */
import { MockActivityEnvironment } from '@temporalio/testing';
import { type AnalysisRunInput, type AnalysisRunResult, type AnalyzerDependencies, createAnalyzer } from '../../activities/analysis';
import { type Analysis, AnalysisSchema } from '../../plan/analysis';

/** What the workflow passes as template variables (`templateVariables` in workflows/steps.ts). */
export const VARIABLES = { service: 'payments', environment: 'test', release: 'r2', stableVersion: 'v1', canaryVersion: 'v2' };

export const analysis = (input: unknown): Analysis => AnalysisSchema.parse(input);

export interface Run extends AnalysisRunResult {
  ms: number;
  heartbeats: number;
}

export async function runAnalysis(
  deps: AnalyzerDependencies,
  input: Omit<AnalysisRunInput, 'variables'> & { variables?: Record<string, string> },
  env = new MockActivityEnvironment(),
): Promise<Run> {
  let heartbeats = 0;
  env.on('heartbeat', () => heartbeats++);
  const analyze = createAnalyzer({ heartbeatEveryMs: 500, ...deps });
  const started = Date.now();
  const result = (await env.run(analyze, { variables: VARIABLES, ...input })) as AnalysisRunResult;
  return { ...result, ms: Date.now() - started, heartbeats };
}
