/**
 * zod's issues as lines people act on: the field, the cause and the fix. Hints for the usual slips: a number
 * where text is wanted ("quote it"), a field of the other strategy or another target type, a field that is
 * required but missing.
 */
import type { z } from 'zod';
import { formatPath } from './issue-list';
import type { PlanIssue } from './plan-error';
import { BlueGreenSchema, CanarySchema } from './schema';
import { TargetSchema } from './targets';

const shapeOf = (schema: { shape: object }) => Object.keys(schema.shape);

/** Where a field that is unknown here does belong, by section. */
const ELSEWHERE: Record<string, Array<[string, string[]]>> = {
  strategy: [
    ['strategy type canary', shapeOf(CanarySchema)],
    ['strategy type blueGreen', shapeOf(BlueGreenSchema)],
  ],
  // Every target type of the plan schema, a platform added later included.
  target: TargetSchema.options.map((schema) => {
    const type = String(schema.shape.type.value);
    return [`${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} target`, shapeOf(schema)] as [string, string[]];
  }),
};

function unknownKey(path: readonly PropertyKey[], key: string): string {
  const section = formatPath(path);
  const owners = (ELSEWHERE[section] ?? []).filter(([, keys]) => keys.includes(key)).map(([owner]) => owner);
  if (owners.length > 0) return `unknown field "${key}" here: it belongs to ${owners.join(' or ')}; remove it, or change ${section}.type`;
  return `unknown field "${key}"; remove it or check its spelling`;
}

/** Fields that hold a duration, where a bare number needs a unit rather than quotes. */
const DURATION_FIELDS = new Set([
  'duration',
  'timeout',
  'interval',
  'initialDelay',
  'scaleDownDelay',
  'readyTimeout',
  'progressDeadline',
  'lookback',
  'window',
  'inconclusiveTimeout',
]);

function wrongType(issue: z.core.$ZodIssueInvalidType, source: string | undefined): string | undefined {
  const received = issue.input;
  const field = issue.path[issue.path.length - 1];
  if (issue.expected === 'string' && typeof received === 'number' && typeof field === 'string' && DURATION_FIELDS.has(field)) {
    return (
      `expected a duration, got the number ${source ?? received}: a duration is text with a ` +
      `unit, e.g. ${field}: ${received}s (or 5m, 1h30m, 2d)`
    );
  }
  if (issue.expected === 'string' && (typeof received === 'number' || typeof received === 'boolean')) {
    const written = source ?? String(received);
    return `expected string, got the ${typeof received} ${written}: quote it, "${written}"`;
  }
  return undefined;
}

export function describeIssue(
  issue: z.core.$ZodIssue,
  sourceAt: (path: readonly PropertyKey[]) => string | undefined = () => undefined,
): PlanIssue[] {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: unknownKey(issue.path, key) }));
  }
  if (issue.code === 'invalid_type') {
    if (/received undefined/.test(issue.message)) return [{ path, message: `is required (expected ${issue.expected})` }];
    const hint = issue.message.startsWith('Invalid input') ? wrongType(issue, sourceAt(issue.path)) : undefined;
    if (hint) return [{ path, message: hint }];
  }
  return [{ path, message: issue.message.replace(/^Invalid input: /, '') }];
}
