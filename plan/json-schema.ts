/** The plan's JSON Schema, for editors (YAML language server) and other tools. */
import { z } from 'zod';
import { ReleaseSchema } from './release-schema';
import { PlanSchema } from './schema';

export function planJsonSchema(): string {
  const schema = z.toJSONSchema(PlanSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Glidepath deployment plan' }, null, 2)}\n`;
}

/** The release file's JSON Schema (`kind: Release`), the same way. */
export function releaseJsonSchema(): string {
  const schema = z.toJSONSchema(ReleaseSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Glidepath release' }, null, 2)}\n`;
}
