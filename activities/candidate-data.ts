/**
 * Reading Candidate.data back into a platform's typed data. The stored form is text (the shape recorded in
 * workflow histories and Kubernetes annotations); each platform's decoder names its fields and their types
 * with these readers, and `storedData` writes numbers and flags back as that text.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { CandidateData } from './types';

export interface CandidateFields {
  /** A field that must be there. */
  text(key: string): string;
  /** A field that may be absent or empty (read as ''). */
  optionalText(key: string): string;
  /** A whole number stored as text ('4'). */
  count(key: string): number;
  /** One of `values`. */
  oneOf<V extends string>(key: string, values: readonly V[]): V;
}

/** Readers over `data`; `what` names the kind of candidate in errors ("ECS service pair"). */
export function candidateFields(data: CandidateData, what: string): CandidateFields {
  const unreadable = (key: string, problem: string) =>
    ApplicationFailure.nonRetryable(`the ${what} candidate's "${key}" ${problem}: ${JSON.stringify(data)}`, 'InvalidPlan');
  const text = (key: string) => {
    const value = data[key];
    if (typeof value !== 'string') throw unreadable(key, 'is missing');
    return value;
  };
  return {
    text,
    optionalText: (key) => data[key] ?? '',
    count: (key) => {
      const n = Number(text(key));
      if (!Number.isInteger(n) || n < 0) throw unreadable(key, 'is not a count');
      return n;
    },
    oneOf: <V extends string>(key: string, values: readonly V[]): V => {
      const value = values.find((v) => v === data[key]);
      if (value === undefined) throw unreadable(key, `is not one of ${values.join(', ')}`);
      return value;
    },
  };
}

/** Typed data in its stored form: numbers and flags as text, as runs in flight recorded them. */
export function storedData(data: Record<string, string | number | boolean>): CandidateData {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]));
}
