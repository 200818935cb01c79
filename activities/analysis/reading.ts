/** What a provider returns for one measurement, and the I/O helpers the providers share. */
import type { MeasurementOutcome } from '../../plan/analysis';
import type { Resolve } from './address-guard';

/**
 * A measured value, judged by the metric's conditions; or, when the provider itself decides (an alarm's
 * state, an unexpected HTTP status), a verdict. A provider throws when it could not measure: that is an error.
 */
export interface Reading {
  value?: number;
  verdict?: Exclude<MeasurementOutcome, 'error'>;
  message?: string;
}

/** The parts of the activity a provider call needs: cancellation, and how host names resolve (tests pass their own). */
export interface ProviderIO {
  signal?: AbortSignal;
  resolve?: Resolve;
}

/** Aborts on the activity's cancellation or after `timeoutMs`, whichever comes first. */
export function deadline(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** Numbers from JSON: numbers, numeric strings ("0.5", "NaN", "+Inf" as Prometheus writes them) and booleans. */
export function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (raw === 'NaN') return Number.NaN;
  const n = Number(raw);
  return Number.isNaN(n) ? undefined : n;
}
