import { listIssues } from './issue-list';

/** A plan that cannot start: every issue names where (a field, or a line of the file) and what to write instead. */
export interface PlanIssue {
  path: string;
  message: string;
}

export class PlanError extends Error {
  constructor(
    readonly source: string,
    readonly issues: PlanIssue[],
    /** What the file is: `plan`, `release`. */
    kind = 'plan',
  ) {
    super(listIssues(`${source}: invalid ${kind}`, issues, `(${kind})`));
    this.name = 'PlanError';
  }
}
