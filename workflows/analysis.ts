/**
 * Analyses run as child workflows: the measuring happens in chunks of one activity each, and the child
 * continues-as-new every CHUNKS_PER_RUN chunks, so even a month-long background analysis keeps its own history
 * bounded. Its deployment hears the outcome when the child completes, and in between only bounded, throttled
 * reports of the latest measurements (analysis-reports.ts); every measurement is on the child's own status
 * (analysis-status.ts). When nothing is due for longer than a chunk (a long interval or initialDelay) the child
 * waits on a durable timer rather than in an activity.
 */
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnalysisProgress } from '../activities/analysis/progress';
import type { AnalysisResult } from '../activities/types';
import type { Analysis } from '../plan/analysis';
import { durationMs, formatDuration } from '../plan/duration';
import { waits } from './activities';
import { DEFAULT_REPORTS, type ReportState, Reporter } from './analysis-reports';
import { measurementsSignal } from './analysis-signal';
import { AnalysisView } from './analysis-status';
import type { MeasurementRecord } from './status';

export { measurementsSignal } from './analysis-signal';

const CHUNKS_PER_RUN = 200;

/**
 * The patch of analysis children that report to their deployment within a budget (analysis-reports.ts), return
 * what they did not report with their result, and wait on a timer when nothing is due. Children started before it
 * signal every chunk until their next continue-as-new, whose run takes this path.
 */
export const ANALYSIS_REPORTS_BOUNDED = 'analysis-reports-bounded';

/** One activity call measures about three intervals, within 3s-60s; the child's own status updates as often. */
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
  /** Reports this analysis may send its deployment over its whole life; absent: DEFAULT_REPORTS. */
  reports?: number;
  /** Carried across continue-as-new: the reports so far, and the measurements its status shows. */
  reporting?: ReportState;
  shown?: MeasurementRecord[];
}

export async function analysisWorkflow(run: AnalysisRun): Promise<AnalysisResult> {
  if (!patched(ANALYSIS_REPORTS_BOUNDED)) return measureReportingEachChunk(run);
  const reporter = new Reporter(run.deploymentId, run.name, run.reports ?? DEFAULT_REPORTS, run.reporting);
  const view = new AnalysisView(run.name, run.deploymentId, reporter, run.shown);
  const chunk = chunkMs(run.analysis);
  let progress = run.progress;
  for (let i = 0; i < CHUNKS_PER_RUN; i++) {
    const result = await waits.runAnalysis.executeWithOptions({ summary: `measure ${run.name}` }, [
      { analysis: run.analysis, variables: run.variables, name: run.name, progress, returnAfterMs: chunk },
    ]);
    reporter.collect(result.measurements);
    view.add(result);
    if (result.done) return { ...result, measurements: reporter.unreported() };
    progress = result.progress;
    await reporter.reportIfDue();
    view.publish();
    const idleMs = nextDueAt(progress) - Date.now();
    if (idleMs > chunk) await sleep(idleMs, { summary: `next measurement of ${run.name} in ${formatDuration(idleMs)}` });
  }
  return continueAsNew<typeof analysisWorkflow>({ ...run, progress, reporting: reporter.state, shown: view.shown });
}

/** When the next measurement of a metric still measuring is due (epoch ms). */
function nextDueAt(progress: AnalysisProgress): number {
  const due = Object.values(progress.metrics)
    .filter((m) => m.outcome === undefined)
    .map((m) => m.nextAt);
  return due.length ? Math.min(...due) : Number.NEGATIVE_INFINITY;
}

/** Children started before ANALYSIS_REPORTS_BOUNDED: a signal for every chunk that measured, until continue-as-new. */
async function measureReportingEachChunk(run: AnalysisRun): Promise<AnalysisResult> {
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
export function runAnalysisChild(
  analysis: Analysis,
  name: string,
  variables: Record<string, string>,
  reports?: number,
): Promise<AnalysisResult> {
  const deploymentId = workflowInfo().workflowId;
  return executeChild(analysisWorkflow, {
    args: [{ analysis, variables, name, deploymentId, ...(reports !== undefined ? { reports } : {}) }],
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

  /**
   * `onResult` hears each analysis's outcome, with the measurements it had not reported yet; one still measuring
   * when the rollout finishes never failed: passed.
   */
  constructor(
    private readonly onFailure: (err: unknown) => void,
    private readonly judge: (name: string, timeout: string) => Promise<void>,
    private readonly onResult: (outcome: AnalysisResult['outcome'], measurements: MeasurementRecord[]) => void = () => undefined,
  ) {}

  /** `reports`: how many reports the analysis may send the deployment (analysis-reports.ts). */
  start(analysis: Analysis, name: string, variables: Record<string, string>, reports?: number): void {
    const scope = new CancellationScope();
    const done = scope
      .run(() => runAnalysisChild(analysis, name, variables, reports))
      .then(
        (result) => {
          this.onResult(result.outcome, result.measurements);
          if (result.outcome === 'failed') this.onFailure(analysisFailed(name, result));
          if (result.outcome === 'inconclusive') this.inconclusive.push({ name, timeout: analysis.inconclusiveTimeout });
        },
        (err) => {
          if (!isCancellation(err)) this.onFailure(err);
          else if (this.finishing) this.onResult('passed', []);
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
