/** An AWS region name, as targets and CloudWatch analyses take it: one pattern, so both accept the same regions. */
import { z } from 'zod';

export const AwsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region must look like "us-east-1"');
