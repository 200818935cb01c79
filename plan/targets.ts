/**
 * Where a plan deploys, and where its migration runs. One schema per platform; each platform's adapter
 * lives in `activities/<platform>/`.
 */
import { z } from 'zod';
import { Duration } from './duration-schema';

const awsName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region must look like "us-east-1"').optional();

const LambdaCodeSchema = z
  .strictObject({
    s3Bucket: z.string().min(3).optional(),
    s3Key: z.string().min(1).optional(),
    s3ObjectVersion: z.string().optional(),
    imageUri: z.string().min(1).optional(),
  })
  .superRefine((code, ctx) => {
    const fromS3 = code.s3Bucket !== undefined || code.s3Key !== undefined;
    if (fromS3 && code.imageUri !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give either s3Bucket + s3Key (zip) or imageUri (container), not both' });
    } else if (fromS3 && (code.s3Bucket === undefined || code.s3Key === undefined)) {
      ctx.addIssue({ code: 'custom', path: [code.s3Bucket === undefined ? 's3Bucket' : 's3Key'], message: 'a zip package needs both s3Bucket and s3Key' });
    } else if (!fromS3 && code.imageUri === undefined) {
      ctx.addIssue({ code: 'custom', message: 'code needs s3Bucket + s3Key (zip) or imageUri (container image)' });
    }
  });

export const LambdaTargetSchema = z.strictObject({
  type: z.literal('lambda'),
  functionName: awsName,
  /** The alias clients invoke; traffic moves by its weighted routing. */
  alias: awsName,
  /** The code of the release: published as a new version beside the one the alias points at. */
  code: LambdaCodeSchema,
  /** Blue-green only: an alias that reaches the new version before the switch (default `<alias>-preview`). */
  previewAlias: awsName.optional(),
  region,
});
export type LambdaTarget = z.infer<typeof LambdaTargetSchema>;

export const TargetSchema = z.discriminatedUnion('type', [LambdaTargetSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown target type; use "lambda"' : undefined),
});
export type Target = z.infer<typeof TargetSchema>;
export type TargetType = Target['type'];

export const LambdaMigrationSchema = z.strictObject({
  type: z.literal('lambda'),
  /** A function that applies the migration. It receives `payload` plus `idempotencyKey`. */
  functionName: awsName,
  payload: z.record(z.string(), z.unknown()).default({}),
  timeout: Duration.default('15m'),
  region,
});
export type LambdaMigration = z.infer<typeof LambdaMigrationSchema>;

export const MigrationTaskSchema = z.discriminatedUnion('type', [LambdaMigrationSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown migration type; use "lambda"' : undefined),
});
export type MigrationTask = z.infer<typeof MigrationTaskSchema>;
