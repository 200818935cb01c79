/**
 * What an analysis child reports to its deployment (workflows/analysis-reports.ts), no servers: how often over a
 * month, how much per report, each analysis's share of a run's budget, and measurements reported twice kept once.
 */
import { describe, expect, it } from 'vitest';
import type { MeasurementRecord } from '../../activities/types';
import {
  MAX_REPORT_RECORDS,
  RUN_REPORT_BUDGET,
  mergeMeasurements,
  reportBudget,
  reportGapMs,
  summarize,
} from '../../workflows/analysis-reports';
import { canary, lambdaPlan } from '../support/plans';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const record = (metric: string, i: number, over: Partial<MeasurementRecord> = {}): MeasurementRecord => ({
  analysis: 'watch',
  metric,
  value: i,
  outcome: 'passed',
  at: new Date(Date.UTC(2026, 10, 29) + i * 1_000).toISOString(),
  ...over,
});

/** The reports an analysis measuring without pause sends over `days`, one as soon as each is allowed. */
function reportsOver(days: number): number {
  let sent = 1; // the first measurements, at once
  for (let at = 0; ; sent++) {
    at += reportGapMs(at);
    if (at > days * DAY) return sent;
  }
}

describe('reports of an analysis to its deployment', () => {
  it('come every 10 minutes in the first day, then less often as the analysis ages', () => {
    expect(reportGapMs(0)).toBe(10 * MINUTE);
    expect(reportGapMs(DAY)).toBe(10 * MINUTE);
    expect(reportGapMs(6 * DAY)).toBe(60 * MINUTE);
    expect(reportGapMs(30 * DAY)).toBe(300 * MINUTE);
    expect(reportsOver(1)).toBe(145);
    // A month of a background analysis: fewer reports than one run may receive from all its analyses.
    expect(reportsOver(30)).toBeLessThan(RUN_REPORT_BUDGET * 0.7);
    expect(reportsOver(365)).toBeLessThan(RUN_REPORT_BUDGET);
  });

  it('carry at most 20 measurements: the latest of each metric, then the latest others, oldest first', () => {
    const records = [
      ...Array.from({ length: 30 }, (_, i) => record('every-second', i)),
      record('hourly', 30),
      ...Array.from({ length: 30 }, (_, i) => record('every-second', 31 + i)),
    ];
    const sent = summarize(records);
    expect(sent).toHaveLength(MAX_REPORT_RECORDS);
    expect(sent.map((r) => r.value)).toEqual([30, ...Array.from({ length: 19 }, (_, i) => 42 + i)]);
    const long = record('errors', 1, { outcome: 'error', message: 'x'.repeat(5_000) });
    expect(summarize([...records, long]).at(-1)!.message).toHaveLength(200);
  });

  it("share the run's budget equally among the plan's analyses", () => {
    const analysis = (name: string) => ({
      analysis: { name, metrics: [{ name: 'up', provider: { type: 'http', url: 'http://x.example/' } }] },
    });
    expect(reportBudget(lambdaPlan('one', canary({ setWeight: 10 }, analysis('a'))))).toBe(RUN_REPORT_BUDGET);
    const many = Array.from({ length: 100 }, (_, i) => analysis(`a${i}`));
    expect(reportBudget(lambdaPlan('many', canary(...many)))).toBe(RUN_REPORT_BUDGET / 100);
  });

  it('reported again with the result (by a child started before the budget) are kept once', () => {
    const known = [record('up', 1), record('up', 2)];
    expect(mergeMeasurements(known, [record('up', 2), record('up', 3)], 50)).toEqual([...known, record('up', 3)]);
    expect(mergeMeasurements(known, [record('up', 3)], 2)).toEqual([record('up', 2), record('up', 3)]);
  });
});
