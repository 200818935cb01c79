/**
 * Plan text to a plain value: YAML 1.2 core schema only. Tags beyond the core ones (`!!binary`, `!!timestamp`,
 * `!Ref`, custom tags) are errors rather than strings in disguise; duplicate keys and several documents in one
 * file are errors; aliases may expand at most MAX_ALIAS_EXPANSIONS times, so a small file cannot become a huge
 * plan. Each error names its line.
 */
import { type Document, isScalar, parseDocument } from 'yaml';
import { PlanError, type PlanIssue } from './plan-error';

/** How many times all aliases together may be expanded (yaml's maxAliasCount). */
export const MAX_ALIAS_EXPANSIONS = 100;

const YAML_OPTIONS = {
  version: '1.2',
  schema: 'core',
  merge: false,
  resolveKnownTags: false,
  uniqueKeys: true,
  prettyErrors: true,
} as const;

export interface PlanDocument {
  value: unknown;
  /** The text a scalar of the plan was written as (`1.10` for a number read as 1.1), for hints. */
  sourceAt(path: readonly PropertyKey[]): string | undefined;
}

function lineOf(e: { linePos?: [{ line: number }, ...unknown[]] }): string {
  return `line ${e.linePos?.[0].line ?? '?'}`;
}

function yamlIssue(e: { code: string; message: string; linePos?: [{ line: number }, ...unknown[]] }): PlanIssue {
  const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (e.code === 'TAG_RESOLVE_FAILED') {
    return {
      path: lineOf(e),
      message:
        `YAML: ${first.replace('tag:yaml.org,2002:', '!!')}; plans use plain YAML (strings, numbers, ` +
        `true/false, lists, mappings): remove the tag`,
    };
  }
  if (/Maximum call stack/.test(e.message))
    return {
      path: lineOf(e),
      message:
        'YAML: the plan nests too deeply to read (lists or mappings inside each other thousands of levels down); a plan needs a few levels',
    };
  if (e.code === 'MULTIPLE_DOCS')
    return { path: lineOf(e), message: 'YAML: the file has more than one document ("---"); a plan file holds one plan' };
  return { path: lineOf(e), message: `YAML: ${first}; ${YAML_FIXES[e.code] ?? YAML_FIX}` };
}

/** The fix for the usual slips, by the yaml library's error code. */
const YAML_FIXES: Record<string, string> = {
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  DUPLICATE_KEY: 'a key may appear once in a mapping: keep one of them',
  BAD_INDENT: 'line this up with the other entries of its mapping or list',
  MISSING_CHAR: 'close the bracket or quote opened before it',
  BAD_DQ_ESCAPE: 'write the backslash as \\\\, or use single quotes',
};
const YAML_FIX = 'fix the YAML on this line (brackets, quotes, indentation with spaces); a YAML-aware editor shows where';

/** The first problem of each line: the ones after it on the same line follow from it. */
function firstPerLine(issues: PlanIssue[]): PlanIssue[] {
  return issues.filter((issue, i) => issue.path === '' || issues.findIndex((other) => other.path === issue.path) === i);
}

export function parsePlanDocument(text: string, source: string): PlanDocument {
  const doc: Document = parseDocument(text, YAML_OPTIONS);
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new PlanError(source, firstPerLine(problems.map(yamlIssue)));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (err) {
    const message = /Excessive alias count/.test((err as Error).message)
      ? `YAML: aliases (*name) expand to more than ${MAX_ALIAS_EXPANSIONS} copies, which would make the plan far ` +
        `larger than its file; write the repeated parts out, or use fewer aliases`
      : `YAML: ${(err as Error).message}`;
    throw new PlanError(source, [{ path: '', message }]);
  }
  return {
    value,
    sourceAt(path) {
      const node = doc.getIn(path as unknown[], true);
      return isScalar(node) && node.range ? text.slice(node.range[0], node.range[1]) : undefined;
    },
  };
}
