import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { planJsonSchema } from '../../plan/json-schema';

it('plan/plan.schema.json is up to date with the zod schema (regenerate: bin/glidepath schema --out plan/plan.schema.json)', () => {
  expect(readFileSync(path.join(__dirname, '..', '..', 'plan', 'plan.schema.json'), 'utf8')).toBe(planJsonSchema());
});
