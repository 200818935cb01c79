/**
 * `--set key=value`: one field of the plan changed from the command line, before validation.
 *
 * - The key is a path: `release` (short for metadata.release), `strategy.steps[0].setWeight`.
 * - The value stays the text it was written as; only where the plan wants a number or true/false is it read
 *   as one (see load.ts), so `--set release=1.10` keeps "1.10" and `--set release=20261123` stays a string.
 * - `__proto__`, `constructor` and `prototype` are refused as path segments; an index may point at an
 *   existing list entry or one past the end, at most MAX_STEPS; a path cannot go through a string or number.
 */
import { MAX_STEPS } from './limits';
import { PlanError, type PlanIssue } from './plan-error';

/** `--set release=v2` and `--set strategy.steps[0].setWeight=5`; the metadata fields also by their short name. */
const SHORT_NAMES: Record<string, string> = {
  service: 'metadata.service',
  environment: 'metadata.environment',
  release: 'metadata.release',
  requestedBy: 'metadata.requestedBy',
};

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const SEGMENT = /^(?:\.?([A-Za-z0-9_$-]+)|\[(\d{1,6})\])/;

export interface Override {
  /** `metadata.release`, `strategy.steps[0].setWeight`. */
  key: string;
  path: (string | number)[];
  text: string;
}

function parseKey(assignment: string, key: string): (string | number)[] | PlanIssue {
  const path: (string | number)[] = [];
  let rest = key;
  while (rest !== '') {
    const m = SEGMENT.exec(rest);
    if (!m || (path.length === 0 && rest.startsWith('.'))) {
      return {
        path: `--set ${assignment}`,
        message:
          `"${key}" is not a field path; write names joined by "." and list positions as [0], e.g. --set ` +
          `strategy.steps[0].setWeight=5`,
      };
    }
    if (m[1] !== undefined && FORBIDDEN_SEGMENTS.has(m[1])) {
      return {
        path: `--set ${assignment}`,
        message: `"${m[1]}" is not a plan field and cannot be set; --set takes field names such as release or strategy.steps[0].setWeight`,
      };
    }
    path.push(m[1] ?? Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  return path;
}

/** Splits `key=value` and resolves the key's path. */
export function parseOverride(assignment: string): Override | PlanIssue {
  const eq = assignment.indexOf('=');
  if (eq <= 0) return { path: `--set ${assignment}`, message: 'a --set value is written key=value, e.g. --set release=v1.4.2' };
  const written = assignment.slice(0, eq);
  const key = Object.hasOwn(SHORT_NAMES, written) ? SHORT_NAMES[written] : written;
  const path = parseKey(assignment, key);
  return Array.isArray(path) ? { key, path, text: assignment.slice(eq + 1) } : path;
}

const describe = (value: unknown) =>
  Array.isArray(value)
    ? 'a list'
    : value === null
      ? 'empty'
      : typeof value === 'object'
        ? 'a mapping'
        : `the ${typeof value} ${JSON.stringify(value)}`;

/** Sets `value` at `o.path` in `root` (changed in place); an issue when the path cannot be there. */
function setAt(root: Record<string, unknown>, o: Override, value: unknown): PlanIssue | undefined {
  let node: unknown = root;
  for (const [i, part] of o.path.entries()) {
    const last = i === o.path.length - 1;
    const where =
      o.path.slice(0, i).reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '') || 'the plan';
    if (typeof part === 'number') {
      if (!Array.isArray(node))
        return { path: `--set ${o.key}`, message: `${where} is ${describe(node)}, not a list, so it has no [${part}]` };
      if (part > node.length || part >= MAX_STEPS) {
        return {
          path: `--set ${o.key}`,
          message:
            `${where} has ${node.length} entries; ` +
            `an index goes from 0 to ${Math.min(node.length, MAX_STEPS - 1)} (${node.length} adds one)`,
        };
      }
    } else if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      return {
        path: `--set ${o.key}`,
        message: `${where} is ${describe(node)}, so it has no field "${part}"; set ${where} itself, or fix the path`,
      };
    }
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[part] = value;
      return undefined;
    }
    if (container[part] === undefined) container[part] = typeof o.path[i + 1] === 'number' ? [] : {};
    node = container[part];
  }
  return undefined;
}

/**
 * The plan with every override applied as text (`typed` may give another value for some keys, see load.ts).
 * The plan itself must be a mapping: a scalar or list plan is a plan error, not something to set fields in.
 */
export function applyOverrides(doc: unknown, overrides: Override[], source: string, typed: Map<string, unknown> = new Map()): unknown {
  if (overrides.length === 0) return doc;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PlanError(source, [
      {
        path: '',
        message: `the plan is ${describe(doc)}, not a mapping of apiVersion, metadata, target and strategy, so --set has nothing to set`,
      },
    ]);
  }
  const root = structuredClone(doc) as Record<string, unknown>;
  const issues = overrides.flatMap((o) => setAt(root, o, typed.has(o.key) ? typed.get(o.key) : o.text) ?? []);
  if (issues.length > 0) throw new PlanError(source, issues);
  return root;
}

/** The value a --set text has where the plan wants `expected` ("number", "boolean"), if it reads as one. */
export function typedValue(text: string, expected: string): unknown {
  if ((expected === 'number' || expected === 'int') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (expected === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return undefined;
}
