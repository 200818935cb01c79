/**
 * A plan and a release file differ by `kind: Release` alone, which `glidepath validate` reads to choose the schema.
 * A file read as the other kind gets one issue saying which it is and what to do, in place of a list of errors
 * about fields the other kind has (every release field is unknown to a plan, and the reverse). Pure.
 */
import { RELEASE_KIND } from './api-version';
import type { PlanIssue } from './plan-error';
const has = (doc: Record<string, unknown>, ...fields: string[]) => fields.some((f) => f in doc);

/** Why a document read as a plan is a release file (or looks like one that lost its kind), or undefined. */
export function releaseReadAsPlan(doc: unknown, source: string): PlanIssue | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if (d.kind === RELEASE_KIND)
    return { path: 'kind', message: `this is a release file (kind: Release), not a plan: start it with glidepath release ${source}` };
  if (!has(d, 'components', 'stages') || has(d, 'target', 'strategy')) return undefined;
  return d.kind === undefined
    ? {
        path: 'kind',
        message:
          'is missing: the file has components and stages, so it reads like a release file, and without kind: ' +
          'Release it is read as a plan; add kind: Release at the top',
      }
    : { path: 'kind', message: `kind must be "Release" for a release file (components and stages), not ${JSON.stringify(d.kind)}` };
}

/** Why a document read as a release is a plan, or undefined. */
export function planReadAsRelease(doc: unknown, source: string): PlanIssue | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if (d.kind !== undefined || has(d, 'components', 'stages') || !has(d, 'target', 'strategy')) return undefined;
  return {
    path: 'kind',
    message:
      `is missing, and the file has target and strategy: it is a plan, not a release file; start it with ` +
      `glidepath deploy ${source} (a release file says kind: Release and has components and stages)`,
  };
}
