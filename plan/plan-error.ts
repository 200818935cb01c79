/** A plan that cannot start: every issue names where (a field, or a line of the file) and what to write instead. */
export interface PlanIssue {
  path: string;
  message: string;
}

export class PlanError extends Error {
  constructor(
    readonly source: string,
    readonly issues: PlanIssue[],
  ) {
    super(`${source}: invalid plan\n${issues.map((i) => `  - ${i.path || '(plan)'}: ${i.message}`).join('\n')}`);
    this.name = 'PlanError';
  }
}
