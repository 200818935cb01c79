/**
 * Search attributes are stored and shown in plain text (they are how runs are found, and a codec cannot
 * encrypt them), so they hold nothing secret: the target as described, less any ARN's account and region.
 */
import type { Target } from '../plan/targets';
import { describeTarget } from '../workflows/describe';

const ARN_PREFIX = /arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[A-Za-z-]+\//g;

export function searchableTarget(target: Target): string {
  return describeTarget(target).replace(ARN_PREFIX, '');
}
