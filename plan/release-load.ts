/**
 * Reading a release file: YAML → `--set` overrides → `{{version}}` filled in → zod and the cross-field rules →
 * every target's plan checked, as a plan file is. Errors are a PlanError (exit 2) whose lines name the field,
 * the cause and the fix.
 */
import { planReadAsRelease } from './document-kind';
import { type PlannedStage, expandRelease } from './release-expand';
import { RELEASE_KIND, type Release, ReleaseSchema } from './release-schema';
import { formatPath } from './issue-list';
import { describeIssue } from './issue-text';
import { type PlanIssue, PlanError } from './load';
import { type Override, applyOverrides, parseOverride } from './overrides';
import { decodePlanText, readPlanBytes } from './plan-text';
import { parsePlanDocument } from './yaml-document';

/** `--set version=v2` and the other metadata fields by their short name. */
const SHORT_NAMES: Record<string, string> = {
  system: 'metadata.system',
  version: 'metadata.version',
  requestedBy: 'metadata.requestedBy',
};

/** A document is a release file when it says `kind: Release`. */
export function isReleaseDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === RELEASE_KIND;
}

/** The release file's YAML, read with the same limits as plans (core schema, alias limit, encoding checks). */
export function readYaml(text: string, source: string): unknown {
  return parsePlanDocument(text, source).value;
}

export function readFile(file: string): string {
  return decodePlanText(readPlanBytes(file), file);
}

/** Replaces `{{version}}` in every string, so artifacts follow `--set version=…`. */
function fillVersion(value: unknown, version: unknown): unknown {
  if (typeof version !== 'string') return value;
  if (typeof value === 'string') return value.replaceAll('{{version}}', version);
  if (Array.isArray(value)) return value.map((v) => fillVersion(v, version));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillVersion(v, version)]));
  return value;
}

export class ReleaseError extends PlanError {
  constructor(source: string, issues: PlanIssue[]) {
    super(source, issues, 'release');
  }
}

export function validateRelease(doc: unknown, source = 'release'): { release: Release; stages: PlannedStage[] } {
  const plan = planReadAsRelease(doc, source);
  if (plan) throw new ReleaseError(source, [plan]);
  const parsed = ReleaseSchema.safeParse(doc);
  if (!parsed.success) {
    throw new ReleaseError(
      source,
      parsed.error.issues.flatMap((issue) => describeIssue(issue)),
    );
  }
  // The checks before start too, as `validate` runs them on a plan file: judged by this side's settings.
  const { stages, issues } = expandRelease(parsed.data, { beforeStart: process.env });
  if (issues.length > 0)
    throw new ReleaseError(
      source,
      issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  return { release: parsed.data, stages };
}

export function parseRelease(text: string, source = 'release', overrides: string[] = []): { release: Release; stages: PlannedStage[] } {
  const doc = readYaml(text, source);
  const parsed = overrides.map((a) => {
    const key = a.slice(0, a.indexOf('='));
    return parseOverride(Object.hasOwn(SHORT_NAMES, key) ? `${SHORT_NAMES[key]}${a.slice(key.length)}` : a);
  });
  const bad = parsed.filter((o): o is PlanIssue => !('key' in o));
  if (bad.length > 0) throw new ReleaseError(source, bad);
  const withOverrides = applyOverrides(doc, parsed as Override[], source) as { metadata?: { version?: unknown } };
  return validateRelease(fillVersion(withOverrides, withOverrides.metadata?.version), source);
}

export function loadRelease(file: string, overrides: string[] = []): { release: Release; stages: PlannedStage[] } {
  return parseRelease(readFile(file), file, overrides);
}
