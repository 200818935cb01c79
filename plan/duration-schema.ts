import { z } from 'zod';
import { DURATION_PATTERN } from './duration';

export const Duration = z
  .string()
  .regex(DURATION_PATTERN, 'must be a positive duration such as "30s", "5m", "1h30m" or "2d"');
