/**
 * Analysis steps: metric checks whose outcome is passed, failed or inconclusive.
 * passed → the plan continues; failed → rollback; inconclusive → the plan waits for a person.
 */
import { z } from 'zod';
import { Duration } from './duration-schema';

/** `result < 0.01`, `result >= 200`: one comparison of the measured value against a number. */
export const CONDITION_PATTERN = /^\s*result\s*(<=|>=|==|!=|<|>)\s*-?\d+(\.\d+)?\s*$/;
const Condition = z.string().regex(CONDITION_PATTERN, 'a condition compares the result to a number, e.g. "result < 0.01"');

export const HttpProviderSchema = z.strictObject({
  type: z.literal('http'),
  url: z.url(),
  expectStatus: z.number().int().min(100).max(599).default(200),
  /** A dotted path into the JSON body whose number becomes the result, e.g. "checks.errorRate". */
  jsonPath: z.string().optional(),
  timeout: Duration.default('10s'),
});

export const ProviderSchema = z.discriminatedUnion('type', [HttpProviderSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown metric provider; use "http"' : undefined),
});

export const MetricSchema = z.strictObject({
  name: z.string().min(1),
  provider: ProviderSchema,
  interval: Duration.default('1m'),
  count: z.number().int().min(1).default(1),
  initialDelay: Duration.optional(),
  successCondition: Condition.optional(),
  failureCondition: Condition.optional(),
  failureLimit: z.number().int().min(0).default(0),
  consecutiveErrorLimit: z.number().int().min(0).default(4),
  inconclusiveLimit: z.number().int().min(0).default(0),
});

export const AnalysisSchema = z.strictObject({
  name: z.string().min(1).optional(),
  metrics: z.array(MetricSchema).min(1, 'an analysis needs at least one metric'),
});
export type Analysis = z.infer<typeof AnalysisSchema>;
export type Metric = z.infer<typeof MetricSchema>;
export type AnalysisOutcome = 'passed' | 'failed' | 'inconclusive';
