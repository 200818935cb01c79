/** Where an analysis stands; carried from one call to the next (chunks) and in heartbeats (retries). */
import type { MetricTally } from './evaluate';

export interface MetricProgress extends MetricTally {
  /** Epoch ms of the next measurement. */
  nextAt: number;
}

export interface AnalysisProgress {
  startedAt: string;
  metrics: Record<string, MetricProgress>;
}
