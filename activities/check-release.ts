/**
 * The `checkRelease` activity: a release workflow's input checked against the release schema and each target's
 * plan against the plan schema, outside workflow code (where zod would cost memory and CPU in every cached run).
 */
import { ApplicationFailure } from '@temporalio/common';
import { joinIssues } from '../plan/issue-list';
import { describeIssue } from '../plan/issue-text';
import { expandRelease } from '../plan/release-expand';
import { ReleaseSchema } from '../plan/release-schema';
import type { CheckedRelease } from './types';

export function checkRelease(input: unknown): CheckedRelease {
  const parsed = ReleaseSchema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid release: ${joinIssues(parsed.error.issues.flatMap((issue) => describeIssue(issue)))}`,
      'InvalidRelease',
    );
  }
  const { stages, issues } = expandRelease(parsed.data);
  if (issues.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid release: ${joinIssues(issues)}`, 'InvalidRelease');
  }
  return { release: parsed.data, stages };
}
