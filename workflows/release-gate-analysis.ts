/**
 * The analysis of a stage's gate (`gate.analysis`, runs with the `release-gate-analysis` patch). It starts when
 * the stage is promoted and measures beside the soak, as a child workflow like a canary's analysis step
 * (workflows/analysis.ts) that reports its measurements to the release. The next stage starts only once it passed:
 * - failed: the release stops before the next stage, at once, even mid-soak. The stage stays promoted: its targets
 *   passed their point of no return when the release confirmed it (a check that should switch a stage back
 *   jointly belongs in its targets' own analysis steps, which run before they report held);
 * - inconclusive: a person decides, as for a canary: promote starts the next stage (the gate's approval, if any,
 *   still applies), abort stops; nobody within `inconclusiveTimeout` stops the release.
 * Workflow code: deterministic.
 */
import { ApplicationFailure, condition, isCancellation, setHandler } from '@temporalio/workflow';
import type { AnalysisResult } from '../activities/types';
import { durationMs } from '../plan/duration';
import type { PlannedStage } from '../plan/release-stages';
import { analysisFailed, measurementsSignal, runAnalysisChild } from './analysis';
import { mergeMeasurements } from './analysis-reports';
import { describeFailure } from './failures';
import type { ReleaseRun } from './release-run';
import { type GateAnalysisStatus, gateAnalysisName } from './release-status';
import type { MeasurementRecord } from './status';

/** The patch of releases whose gates run analyses; asked only of releases whose input has one. */
export const RELEASE_GATE_ANALYSIS = 'release-gate-analysis';

const MAX_MEASUREMENTS = 20;

/** Measurements of a gate's analysis reach the stage whose analysis of that name is running. Never throws. */
export function listenToGateAnalyses(run: ReleaseRun): void {
  setHandler(
    measurementsSignal,
    (input) => {
      const records: MeasurementRecord[] = Array.isArray(input?.records) ? input.records : [];
      const analysis = run.status.stages.find(
        (s) => s.gateAnalysis?.state === 'running' && s.gateAnalysis.name === input?.name,
      )?.gateAnalysis;
      if (!analysis) return;
      analysis.measurements = [...analysis.measurements, ...records].slice(-MAX_MEASUREMENTS);
      run.publish();
    },
    { description: "Measurements reported by the analyses of this release's gates (sent by Glidepath, not by people)." },
  );
}

export class GateAnalysis {
  readonly name: string;
  /** Settles once the child closed, however it ended. */
  readonly closed: Promise<void>;
  private result?: AnalysisResult;
  private error?: unknown;

  /** Starts measuring `stage`, promoted now; call in the release's forward scope (an abort cancels it). */
  constructor(
    private readonly run: ReleaseRun,
    private readonly stage: PlannedStage,
  ) {
    this.name = gateAnalysisName(stage);
    const analysis = stage.gate!.analysis!;
    Object.assign(this.status, { state: 'running', message: `measuring ${stage.name} since its promotion` });
    this.closed = runAnalysisChild(analysis, this.name, this.variables()).then(
      (result) => {
        this.result = result;
        const measurements = mergeMeasurements(this.status.measurements, result.measurements, MAX_MEASUREMENTS); // not reported yet
        Object.assign(this.status, { state: result.outcome, message: result.message, measurements });
        this.run.publish();
      },
      (err) => {
        this.error = err;
        const cancelled = isCancellation(err);
        Object.assign(this.status, {
          state: cancelled ? 'cancelled' : 'failed',
          message: cancelled ? 'stopped with the release' : describeFailure(err),
        });
        this.run.publish();
      },
    );
  }

  private get status(): GateAnalysisStatus {
    return this.run.stage(this.stage.name).gateAnalysis!;
  }

  /** It failed (or could not run): the soak need not go on. */
  get failed(): boolean {
    return (this.error !== undefined && !isCancellation(this.error)) || this.result?.outcome === 'failed';
  }

  /** Waits for the outcome; returns once it passed (or a person promoted past an inconclusive one), else throws. */
  async settle(next: string): Promise<void> {
    if (!this.result && this.error === undefined) {
      this.run.setPhase('Analyzing', `${this.stage.name} is promoted; analysis "${this.name}" measures it before ${next}`);
      await condition(() => this.result !== undefined || this.error !== undefined);
    }
    if (this.error !== undefined) throw this.error;
    const result = this.result!;
    if (result.outcome === 'failed') throw analysisFailed(this.name, result);
    if (result.outcome === 'inconclusive') await this.judge(next);
  }

  private async judge(next: string): Promise<void> {
    const timeout = this.stage.gate!.analysis!.inconclusiveTimeout;
    const ms = durationMs(timeout);
    this.run.judgedBy = undefined;
    this.run.status.gate = {
      kind: 'inconclusive-analysis',
      name: this.name,
      deadline: new Date(Date.now() + ms).toISOString(),
      onTimeout: 'abort',
    };
    this.run.setPhase(
      'AwaitingPromotion',
      `analysis "${this.name}" of ${this.stage.name} was inconclusive: promote to start ${next}, or abort to stop the release`,
    );
    this.run.notifier?.gateWaiting(this.run.status.gate, this.run.notifier.environmentOf(next));
    const decided = await condition(() => this.run.judgedBy !== undefined, ms, { summary: `judge ${this.name}` });
    this.run.status.gate = undefined;
    this.run.publish();
    if (!decided) {
      this.run.record('timeout', { by: 'glidepath', reason: `no decision on inconclusive analysis within ${timeout}` }, this.name);
      throw ApplicationFailure.nonRetryable(
        `analysis "${this.name}" was inconclusive and nobody promoted it within ${timeout}`,
        'JudgementTimedOut',
      );
    }
    this.run.admittedBy.set(next, this.run.judgedBy!.by);
  }

  /** The stage runs one version now, so no canary and stable to compare; {{service}} when it deploys one service. */
  private variables(): Record<string, string> {
    const services = [...new Set(this.stage.waves.flat().map((t) => t.plan.metadata.service))];
    return {
      environment: this.stage.environment,
      release: this.run.release.metadata.version,
      ...(services.length === 1 ? { service: services[0] } : {}),
    };
  }
}
