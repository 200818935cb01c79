/**
 * Reading a plan file, the path `glidepath validate` and `deploy` take: bytes (size, encoding) → YAML (core
 * schema, alias limit) → overrides from `--set` → zod validation → checks before start → a Plan, or a
 * PlanError whose every line names the field (or line), the cause and the fix. Nothing here talks to
 * Temporal or a platform.
 */
import { checksBeforeStart } from './checks-before-start';
import { releaseReadAsPlan } from './document-kind';
import { formatPath } from './issue-list';
import { describeIssue } from './issue-text';
import { type Override, applyOverrides, parseOverride, typedValue } from './overrides';
import { PlanError, type PlanIssue } from './plan-error';
import { decodePlanText, readPlanBytes } from './plan-text';
import { type Plan, PlanSchema } from './schema';
import { parsePlanDocument } from './yaml-document';

export { PlanError, type PlanIssue } from './plan-error';
export { formatPath } from './issue-list';

type SourceAt = (path: readonly PropertyKey[]) => string | undefined;

/** A plan value (from YAML, JSON or code) checked as the CLI checks it. */
export function validatePlan(doc: unknown, source = 'plan', sourceAt?: SourceAt): Plan {
  const result = PlanSchema.safeParse(doc, { reportInput: true });
  if (!result.success)
    throw new PlanError(
      source,
      result.error.issues.flatMap((issue) => describeIssue(issue, sourceAt)),
    );
  const issues = checksBeforeStart(result.data);
  if (issues.length > 0) throw new PlanError(source, issues);
  return result.data;
}

/**
 * The schema's rules only, as the engine applies them to a run's input (the `checkPlan` activity): the checks
 * before start (input size, link-local addresses) belong to the CLI and the workers' requests.
 */
export function validatePlanSchema(doc: unknown, source = 'plan'): Plan {
  const result = PlanSchema.safeParse(doc, { reportInput: true });
  if (!result.success)
    throw new PlanError(
      source,
      result.error.issues.flatMap((issue) => describeIssue(issue)),
    );
  return result.data;
}

const kindOf = (value: unknown) =>
  value === null || value === undefined
    ? 'nothing'
    : Array.isArray(value)
      ? 'a list'
      : `the ${typeof value} ${JSON.stringify(value).slice(0, 40)}`;

/**
 * `--set` values are text; where the schema wants a number or true/false at a set path, the text is read as
 * one and the plan checked again. So `--set release=1.10` stays "1.10" and `--set strategy.steps[0].setWeight=5` is 5.
 */
function withOverrides(value: unknown, overrides: Override[], source: string): unknown {
  const asText = applyOverrides(value, overrides, source);
  const result = PlanSchema.safeParse(asText);
  if (result.success || overrides.length === 0) return asText;
  const typed = new Map<string, unknown>();
  for (const issue of result.error.issues) {
    if (issue.code !== 'invalid_type') continue;
    const o = overrides.find((o) => formatPath(o.path) === formatPath(issue.path));
    const v = o && typedValue(o.text, issue.expected);
    if (o && v !== undefined) typed.set(o.key, v);
  }
  return typed.size > 0 ? applyOverrides(value, overrides, source, typed) : asText;
}

export function parsePlan(text: string, source = 'plan', assignments: string[] = []): Plan {
  const parsed = assignments.map(parseOverride);
  const bad = parsed.filter((o): o is PlanIssue => !('key' in o));
  if (bad.length > 0) throw new PlanError(source, bad);
  const overrides = parsed as Override[];
  try {
    const doc = parsePlanDocument(text, source);
    if (doc.value === null || doc.value === undefined || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      throw new PlanError(source, [
        {
          path: '',
          message:
            'a plan is a mapping of apiVersion, metadata, target and strategy, ' +
            `but the file holds ${kindOf(doc.value)}; start from one of examples/*.yaml`,
        },
      ]);
    }
    const otherKind = releaseReadAsPlan(doc.value, source);
    if (otherKind) throw new PlanError(source, [otherKind]);
    const overridden = new Set(overrides.map((o) => formatPath(o.path)));
    const sourceAt: SourceAt = (path) => (overridden.has(formatPath(path)) ? undefined : doc.sourceAt(path));
    return validatePlan(withOverrides(doc.value, overrides, source), source, sourceAt);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new PlanError(source, [
        {
          path: '',
          message:
            'the plan nests too deeply to read (lists or mappings inside each other thousands of levels down); a plan needs a few levels',
        },
      ]);
    }
    throw err;
  }
}

export function loadPlan(file: string, overrides: string[] = []): Plan {
  return parsePlan(decodePlanText(readPlanBytes(file), file), file, overrides);
}
