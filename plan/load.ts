/**
 * Reading a plan file: YAML → overrides from `--set` → zod validation → a Plan, or a PlanError whose every
 * line names the field and what to write instead. Nothing here talks to Temporal or a platform.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Plan, PlanSchema } from './schema';

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

/** `--set release=v2` and `--set strategy.steps[0].setWeight=5`; the metadata fields also by their short name. */
const SHORT_NAMES: Record<string, string> = {
  service: 'metadata.service',
  environment: 'metadata.environment',
  release: 'metadata.release',
  requestedBy: 'metadata.requestedBy',
};

export function applyOverrides(doc: unknown, assignments: string[], source = 'plan'): unknown {
  const root = structuredClone(doc ?? {}) as Record<string, unknown>;
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new PlanError(source, [{ path: assignment, message: 'a --set value is written key=value, e.g. --set release=v1.4.2' }]);
    const key = assignment.slice(0, eq);
    const path = (SHORT_NAMES[key] ?? key).split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
    let node: Record<string, unknown> = root;
    for (const part of path.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = parseScalar(assignment.slice(eq + 1));
  }
  return root;
}

function parseScalar(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

function describeIssue(issue: z.core.$ZodIssue): PlanIssue[] {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: `unknown field "${key}"; remove it or check its spelling`,
    }));
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    return [{ path, message: `is required (expected ${issue.expected})` }];
  }
  return [{ path, message: issue.message.replace(/^Invalid input: /, '') }];
}

export function validatePlan(doc: unknown, source = 'plan'): Plan {
  const result = PlanSchema.safeParse(doc);
  if (result.success) return result.data;
  throw new PlanError(source, result.error.issues.flatMap(describeIssue));
}

export function parsePlan(text: string, source = 'plan', overrides: string[] = []): Plan {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PlanError(source, doc.errors.map((e) => ({ path: `line ${e.linePos?.[0].line ?? '?'}`, message: `YAML: ${e.message.split('\n')[0]}` })));
  }
  return validatePlan(applyOverrides(doc.toJS(), overrides, source), source);
}

export function loadPlan(file: string, overrides: string[] = []): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlanError(file, [{ path: '', message: `cannot read the plan file: ${(err as Error).message}` }]);
  }
  return parsePlan(text, file, overrides);
}
