/**
 * What an analysis child tells its deployment while it measures, and how often. The deployment must act only on
 * the analysis's outcome, which reaches it when the child completes (with the measurements not reported yet), so
 * the signals in between only keep its status and the UI useful. They are bounded, because Temporal refuses
 * signals to a run past 10,000 and ends a run at 51,200 events, and a background analysis next to a 30-day wait
 * measured every second would otherwise send one signal every few seconds:
 * - the first measurements at once, then at most one report every REPORT_EVERY_MS, and less often as the analysis
 *   ages (every age / REPORTS_PER_AGE: hourly after 6 days, every 5 hours after 30);
 * - each report carries at most MAX_REPORT_RECORDS measurements: the latest of each metric, then the latest others;
 * - at most `reports` reports over the analysis's whole life (continue-as-new carries the count): the deployment
 *   splits RUN_REPORT_BUDGET among the analyses of its plan (reportBudget), so a run receives at most that many.
 * Every measurement is on the child's own run (analysis-status.ts). Workflow code: deterministic.
 */
import { getExternalWorkflowHandle, isCancellation } from '@temporalio/workflow';
import type { Plan } from '../plan/schema';
import { describeFailure } from './failures';
import type { MeasurementRecord } from './status';
import { measurementsSignal } from './analysis-signal';

export const REPORT_EVERY_MS = 10 * 60_000;
/** Reports per age: past the first day the gap between reports is the analysis's age divided by this. */
export const REPORTS_PER_AGE = 144;
/** The reports one deployment run receives from all its analyses together (about 4 history events each). */
export const RUN_REPORT_BUDGET = 1_000;
/** Reports of an analysis whose parent gave no budget (a release's gate analysis, a child of an older run). */
export const DEFAULT_REPORTS = 100;
export const MAX_REPORT_RECORDS = 20;
/** A measurement's message in a report (a provider's error text can be long). */
const MAX_MESSAGE = 200;

/** Carried from one run of the child to the next (continue-as-new). */
export interface ReportState {
  /** When the analysis started (epoch ms): the gap between reports grows with its age. */
  since: number;
  sent: number;
  lastAt?: number;
  /** Measurements taken since the last report, already cut to MAX_REPORT_RECORDS. */
  pending: MeasurementRecord[];
  /** Why reporting stopped, when a report could not be sent (the analysis goes on: reports are only shown). */
  stopped?: string;
}

/** Each analysis's share of the run's budget: a plan has at most 100 steps, so at least 10. */
export function reportBudget(plan: Plan): number {
  const s = plan.strategy;
  const steps = s.type === 'canary' ? s.steps : [...s.prePromotion, ...s.postPromotion];
  const analyses = steps.filter((step) => step.analysis).length;
  return Math.floor(RUN_REPORT_BUDGET / Math.max(1, analyses));
}

/**
 * `known` and then those of `added` not in it (a child started before ANALYSIS_REPORTS_BOUNDED reported its last
 * measurements and returns them too), the latest `max`.
 */
export function mergeMeasurements(known: MeasurementRecord[], added: MeasurementRecord[], max: number): MeasurementRecord[] {
  const key = (m: MeasurementRecord) => `${m.analysis}/${m.metric}@${m.at}`;
  const seen = new Set(known.map(key));
  return [...known, ...added.filter((m) => !seen.has(key(m)))].slice(-max);
}

/** The gap after a report sent when the analysis was `ageMs` old. */
export const reportGapMs = (ageMs: number) => Math.max(REPORT_EVERY_MS, ageMs / REPORTS_PER_AGE);

/** The latest measurement of each metric, then the latest of the others, up to MAX_REPORT_RECORDS, oldest first. */
export function summarize(records: MeasurementRecord[]): MeasurementRecord[] {
  if (records.length <= MAX_REPORT_RECORDS && records.every((r) => !r.message || r.message.length <= MAX_MESSAGE)) return records;
  const latest = new Map<string, number>();
  records.forEach((r, i) => latest.set(`${r.analysis}/${r.metric}`, i));
  const keep = new Set([...latest.values()].slice(-MAX_REPORT_RECORDS));
  for (let i = records.length - 1; i >= 0 && keep.size < MAX_REPORT_RECORDS; i--) keep.add(i);
  return records
    .filter((_, i) => keep.has(i))
    .map((r) => (r.message && r.message.length > MAX_MESSAGE ? { ...r, message: `${r.message.slice(0, MAX_MESSAGE - 1)}…` } : r));
}

export class Reporter {
  readonly state: ReportState;

  constructor(
    private readonly deploymentId: string,
    private readonly name: string,
    readonly budget: number,
    state?: ReportState,
  ) {
    this.state = state ?? { since: Date.now(), sent: 0, pending: [] };
  }

  collect(records: MeasurementRecord[]): void {
    if (records.length > 0) this.state.pending = summarize([...this.state.pending, ...records]);
  }

  /** When the next report may go: at once before the first, never past the budget. */
  get nextAt(): number {
    const { sent, lastAt, since, stopped } = this.state;
    if (stopped !== undefined || sent >= this.budget) return Number.POSITIVE_INFINITY;
    return lastAt === undefined ? since : lastAt + reportGapMs(lastAt - since);
  }

  /** Sends what was measured since the last report, if one is due. A report that fails stops reporting, not the analysis. */
  async reportIfDue(): Promise<void> {
    const { state } = this;
    if (state.pending.length === 0 || Date.now() < this.nextAt) return;
    try {
      await getExternalWorkflowHandle(this.deploymentId).signal(measurementsSignal, { name: this.name, records: state.pending });
    } catch (err) {
      if (isCancellation(err)) throw err;
      state.stopped = describeFailure(err);
      return;
    }
    state.sent += 1;
    state.lastAt = Date.now();
    state.pending = [];
  }

  /** What the deployment has not heard yet: it comes with the child's result. */
  unreported(): MeasurementRecord[] {
    return this.state.pending;
  }
}
