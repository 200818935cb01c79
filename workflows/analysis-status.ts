/**
 * An analysis child's own status: every measurement as it comes (the latest MAX_SHOWN), the outcome so far and what
 * it reported to its deployment. The `analysisStatus` query and the Web UI's Current Details of the child show it,
 * where the deployment's status only has the latest reported (analysis-reports.ts). Workflow code, no commands.
 */
import { defineQuery, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { AnalysisResult } from '../activities/types';
import type { Reporter } from './analysis-reports';
import type { MeasurementRecord } from './status';
import { measuredValue } from './status-text';

const MAX_SHOWN = 50;
const MAX_IN_DETAILS = 10;

export interface AnalysisStatus {
  name: string;
  deploymentId: string;
  /** The latest measurements, oldest first. */
  measurements: MeasurementRecord[];
  /** The outcome so far, e.g. "so far: error-rate passed 3 of …". */
  message: string;
  reports: { sent: number; budget: number; lastAt?: string; nextAt?: string; stopped?: string };
}

export const analysisStatusQuery = defineQuery<AnalysisStatus>('analysisStatus');

export class AnalysisView {
  private measurements: MeasurementRecord[];
  private message = 'measuring';

  constructor(
    private readonly name: string,
    private readonly deploymentId: string,
    private readonly reporter: Reporter,
    shown: MeasurementRecord[] = [],
  ) {
    this.measurements = shown;
    setHandler(analysisStatusQuery, () => this.status, { description: 'Every measurement of this analysis (the latest 50).' });
    this.publish();
  }

  /** The latest measurements, carried to the next run of the child. */
  get shown(): MeasurementRecord[] {
    return this.measurements;
  }

  get status(): AnalysisStatus {
    const { sent, lastAt, stopped } = this.reporter.state;
    const next = this.reporter.nextAt;
    return {
      name: this.name,
      deploymentId: this.deploymentId,
      measurements: this.measurements,
      message: this.message,
      reports: {
        sent,
        budget: this.reporter.budget,
        ...(lastAt !== undefined ? { lastAt: new Date(lastAt).toISOString() } : {}),
        ...(Number.isFinite(next) ? { nextAt: new Date(next).toISOString() } : {}),
        ...(stopped ? { stopped } : {}),
      },
    };
  }

  add(result: AnalysisResult): void {
    this.measurements = [...this.measurements, ...result.measurements].slice(-MAX_SHOWN);
    this.message = result.message;
    this.publish();
  }

  publish(): void {
    const s = this.status;
    const { sent, budget, lastAt, nextAt, stopped } = s.reports;
    const reported = stopped
      ? `stopped after ${sent} reports: ${stopped}`
      : `${sent} of at most ${budget} reports${lastAt ? `, the last at ${lastAt}` : ''}${
          nextAt ? `; the next not before ${nextAt}` : sent >= budget ? '; no more: every measurement is here' : ''
        }`;
    const lines = [
      `### analysis ${s.name} for \`${s.deploymentId}\``,
      `**So far:** ${s.message}`,
      `**Reported to the deployment:** ${reported}`,
    ];
    const recent = s.measurements.slice(-MAX_IN_DETAILS);
    if (recent.length) {
      lines.push('', '| measured | metric | value | outcome |', '|---|---|---|---|');
      for (const m of recent)
        lines.push(
          `| ${m.at} | ${m.metric} | ${measuredValue(m)} | ${m.outcome}${m.message && m.outcome !== 'passed' ? `: ${m.message}` : ''} |`,
        );
    }
    setCurrentDetails(lines.join('\n'));
  }
}
