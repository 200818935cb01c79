/**
 * Analyses run as child workflows: the measuring happens in chunks of one activity each, every chunk's
 * measurements are signalled to the deployment (so its status and the UI show them as they come), and the
 * child continues-as-new every CHUNKS_PER_RUN chunks, so even a day-long background analysis keeps every
 * history bounded.
 */
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnalysisProgress } from '../activities/analysis/progress';
import type { AnalysisResult } from '../activities/types';
import type { Analysis } from '../plan/analysis';
import { durationMs } from '../plan/duration';
import { waits } from './activities';
import type { MeasurementRecord } from './status';

const CHUNKS_PER_RUN = 200;

/** Measurements reach the deployment's status once per chunk: about three intervals, within 3s-60s. */
export function chunkMs(analysis: Analysis): number {
  const shortest = Math.min(...analysis.metrics.map((m) => durationMs(m.interval)));
  return Math.min(60_000, Math.max(3_000, 3 * shortest));
}

export interface AnalysisRun {
  analysis: Analysis;
  variables: Record<string, string>;
  name: string;
  /** The deployment to report measurements to. */
  deploymentId: string;
  progress?: AnalysisProgress;
}

export const measurementsSignal = defineSignal<[{ name: string; records: MeasurementRecord[] }]>('measurements');

export async function analysisWorkflow(run: AnalysisRun): Promise<AnalysisResult> {
  const deployment = getExternalWorkflowHandle(run.deploymentId);
  let progress = run.progress;
  for (let chunk = 0; chunk < CHUNKS_PER_RUN; chunk++) {
    const result = await waits.runAnalysis.executeWithOptions({ summary: `measure ${run.name}` }, [
      { analysis: run.analysis, variables: run.variables, name: run.name, progress, returnAfterMs: chunkMs(run.analysis) },
    ]);
    if (result.measurements.length > 0) await deployment.signal(measurementsSignal, { name: run.name, records: result.measurements });
    if (result.done) return result;
    progress = result.progress;
  }
  return continueAsNew<typeof analysisWorkflow>({ ...run, progress });
}

/** Runs one analysis to its outcome as a child of the deployment. */
export function runAnalysisChild(analysis: Analysis, name: string, variables: Record<string, string>): Promise<AnalysisResult> {
  const deploymentId = workflowInfo().workflowId;
  return executeChild(analysisWorkflow, {
    args: [{ analysis, variables, name, deploymentId }],
    workflowId: `${deploymentId}/analysis/${name}`,
    staticSummary: `analysis ${name} for ${deploymentId}`,
  });
}

/**
 * Analyses that run in the background from a canary step until the rollout ends. A failure fails the
 * rollout the moment it happens; an inconclusive result waits for a person at the next step boundary.
 */
export class BackgroundAnalyses {
  private running: Array<{ scope: CancellationScope; done: Promise<void> }> = [];
  private inconclusive: Array<{ name: string; timeout: string }> = [];
  private finishing = false;

  /** `onResult` hears each analysis's outcome; one still measuring when the rollout finishes never failed: passed. */
  constructor(
    private readonly onFailure: (err: unknown) => void,
    private readonly judge: (name: string, timeout: string) => Promise<void>,
    private readonly onResult: (outcome: AnalysisResult['outcome']) => void = () => undefined,
  ) {}

  start(analysis: Analysis, name: string, variables: Record<string, string>): void {
    const scope = new CancellationScope();
    const done = scope
      .run(() => runAnalysisChild(analysis, name, variables))
      .then(
        (result) => {
          this.onResult(result.outcome);
          if (result.outcome === 'failed') this.onFailure(analysisFailed(name, result));
          if (result.outcome === 'inconclusive') this.inconclusive.push({ name, timeout: analysis.inconclusiveTimeout });
        },
        (err) => {
          if (!isCancellation(err)) this.onFailure(err);
          else if (this.finishing) this.onResult('passed');
        },
      );
    this.running.push({ scope, done });
  }

  /** At a step boundary: any inconclusive background analysis waits for a person's judgement. */
  async checkpoint(): Promise<void> {
    for (let next = this.inconclusive.shift(); next; next = this.inconclusive.shift()) {
      await this.judge(next.name, next.timeout);
    }
  }

  /** Before promotion: stop what still measures (stopping is not failing) and settle what ended. */
  async finish(): Promise<void> {
    this.finishing = true;
    for (const { scope } of this.running) scope.cancel();
    await Promise.all(this.running.map((r) => r.done));
    await this.checkpoint();
  }
}

export function analysisFailed(name: string, result: AnalysisResult): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`analysis "${name}" failed: ${result.message}`, 'AnalysisFailed');
}
