/**
 * A month-long rollout with background analyses, on the time-skipping server: two background analyses (measured
 * every second and every minute) run beside a 30-day soak, the canary still promotes, and the deployment's history
 * stays far from Temporal's limits (10,000 signals per run, 51,200 events): its analyses report at most
 * RUN_REPORT_BUDGET times together, while its status keeps showing measurements from the soak's last hours.
 *
 * The time-skipping server cannot skip time while an activity runs (a skip past its heartbeat timeout times it out),
 * so the analyzer here stands for an hour of measuring per call: it returns the hour's last measurement and says the
 * next is due an hour later, and the child waits for it on a timer, as it does for any metric not due within a chunk.
 * What the deployment receives depends on the child's clock only, not on how its measurements were chunked. A
 * metric due every hour shows that timer: one activity per measurement, not an hour of 1-minute chunks.
 */
import { Context } from '@temporalio/activity';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { emptyTally } from '../../activities/analysis/evaluate';
import type { AnalysisInput, AnalysisResult } from '../../activities/types';
import { startDeployment } from '../../starters/deploy';
import { RUN_REPORT_BUDGET } from '../../workflows/analysis-reports';
import { analysisStatusQuery } from '../../workflows/analysis-status';
import { canary, lambdaPlan } from '../support/plans';
import { historyEvents } from '../support/history-events';
import { recordingPlatform } from '../support/recording-platform';
import { recordHistory, uniqueName } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';

const env = useTimeSkippingEnv();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const { EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED } = temporal.api.enums.v1.EventType;

/** One call: the last measurement of an hour at the server's (skipped) clock; the next one due an hour later. */
async function measureAnHour(input: AnalysisInput): Promise<AnalysisResult> {
  const now = Context.current().info.currentAttemptScheduledTimestampMs;
  const at = new Date(now).toISOString();
  const metrics = input.analysis.metrics;
  return {
    outcome: 'passed',
    done: false,
    message: 'so far: healthy',
    progress: {
      startedAt: input.progress?.startedAt ?? at,
      metrics: Object.fromEntries(metrics.map((m) => [m.name, { ...emptyTally(), nextAt: now + HOUR }])),
    },
    measurements: metrics.map((m) => ({ analysis: input.name!, metric: m.name, value: 200, outcome: 'passed', at, message: 'HTTP 200' })),
  };
}

const watching = (name: string, interval: string) => ({
  analysis: {
    name,
    background: true,
    metrics: [{ name: 'health', provider: { type: 'http', url: 'http://checks.example/health' }, interval }],
  },
});

describe('background analyses over long waits', () => {
  it('measured every second and every minute, the canary promotes and the history stays bounded', async () => {
    const { platform, calls } = recordingPlatform();
    const { worker, taskQueue } = await createEnvWorker(env, 'month', { platforms: { lambda: platform }, analyze: measureAnHour });
    const plan = lambdaPlan(
      uniqueName('month'),
      canary(
        { setWeight: 10 },
        watching('every-second', '1s'),
        watching('every-minute', '1m'),
        { setWeight: 50 },
        { pause: { duration: '30d' } },
      ),
    );
    await worker.runUntil(async () => {
      const started = await startDeployment(env.client, plan, taskQueue);
      if (started.kind === 'conflict') throw new Error('conflict');
      const handle = started.handle;
      const { outcome, status } = await handle.result();
      expect(outcome).toBe('promoted');
      expect(calls.slice(-2)).toEqual(['promoteCandidate', 'retirePrevious']);

      const events = (await handle.fetchHistory()).events ?? [];
      const reports = events.filter(
        (e) =>
          e.eventType === EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
          e.workflowExecutionSignaledEventAttributes?.signalName === 'measurements',
      );
      expect(reports.length).toBeLessThanOrEqual(RUN_REPORT_BUDGET); // a tenth of the signals Temporal accepts
      expect(events.length).toBeLessThanOrEqual(5_120); // a tenth of the events

      // The status still shows each analysis measuring in the soak's last hours (reports every age/144: 5h at 30 days).
      const soakEnded = Date.parse(status.endedAt!);
      for (const name of ['every-second', 'every-minute']) {
        const latest = Math.max(...status.measurements.filter((m) => m.analysis === name).map((m) => Date.parse(m.at)));
        expect(soakEnded - latest).toBeLessThan(6 * HOUR);
        // Every measurement is on the analysis's own run, to its last hour.
        const own = await env.client.workflow.getHandle(`${handle.workflowId}/analysis/${name}`).query(analysisStatusQuery);
        expect(soakEnded - Date.parse(own.measurements.at(-1)!.at)).toBeLessThanOrEqual(HOUR);
        expect(own.reports.sent).toBeLessThanOrEqual(own.reports.budget);
      }
      expect(soakEnded - Date.parse(status.startedAt)).toBeGreaterThanOrEqual(30 * DAY);
    });
  }, 600_000);

  // Under heavy load the Java time-skipping server can refuse a workflow task's completion (ACTIVITY_UNKNOWN for an
  // activity it timed out meanwhile) and the run then waits forever; seen once in CI with the machine overcommitted.
  // So the run has a deadline far above its usual second, its worker stops with it, and the test is tried once more.
  it('a metric due every hour: its child waits for each measurement on a timer, not in an activity', { retry: 1 }, async () => {
    const { platform } = recordingPlatform();
    const { worker, taskQueue } = await createEnvWorker(env, 'hourly', { platforms: { lambda: platform }, analyze: measureAnHour });
    const plan = lambdaPlan(uniqueName('hourly'), canary({ setWeight: 10 }, watching('hourly', '1h'), { pause: { duration: '3h' } }));
    await worker.runUntil(
      within(30_000, async () => {
        const started = await startDeployment(env.client, plan, taskQueue);
        if (started.kind === 'conflict') throw new Error('conflict');
        const handle = started.handle;
        const { outcome, status } = await handle.result();
        expect(outcome).toBe('promoted');
        expect(status.measurements.filter((m) => m.analysis === 'hourly').length).toBeGreaterThanOrEqual(3);
        const child = env.client.workflow.getHandle(`${handle.workflowId}/analysis/hourly`);
        const { timers, activities } = await historyEvents(child);
        // Three hours of a 1-minute chunk would be 180 activities, mostly waiting; here one per measurement.
        expect(activities.filter((a) => a.type === 'runAnalysis').length).toBeLessThanOrEqual(4);
        expect(timers.filter((t) => t.summary === 'next measurement of hourly in 1h').length).toBeGreaterThanOrEqual(2);
        await recordHistory(handle, 'canary-background-analysis-hourly-promoted');
        await recordHistory(child, 'analysis-child-waits-on-timer');
      }),
    );
  });
});

/** `run`'s promise, or an error once `ms` passed without its end. */
function within<T>(ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no end within ${ms} ms`)), ms);
  });
  return Promise.race([run(), deadline]).finally(() => clearTimeout(timer));
}
