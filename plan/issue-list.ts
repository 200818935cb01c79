/**
 * How a list of validation issues is said, once for every checker: a file's problems as the CLI lists them, and
 * the one-line form an activity fails with or an update validator refuses with. Pure, no zod: workflow code uses it.
 */

/** `stages[0].targets[1].name`: numbers as indices, the rest joined by dots. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

export interface IssueAt {
  /** The field at fault, formatted or not; empty for the input as a whole. */
  path: string | readonly PropertyKey[];
  message: string;
}

const where = (issue: IssueAt, whole: string) => (typeof issue.path === 'string' ? issue.path : formatPath(issue.path)) || whole;

/** `headline` then `  - path: message`, a line each; `whole` stands for an empty path. */
export function listIssues(headline: string, issues: readonly IssueAt[], whole: string): string {
  return [headline, ...issues.map((i) => `  - ${where(i, whole)}: ${i.message}`)].join('\n');
}

/** `path: message; path: message` on one line; `whole` stands for an empty path. */
export function joinIssues(issues: readonly IssueAt[], whole = 'input'): string {
  return issues.map((i) => `${where(i, whole)}: ${i.message}`).join('; ');
}
