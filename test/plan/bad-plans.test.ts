/**
 * Every plan of the bad-plan corpus goes through `glidepath validate`'s own path (loadPlan with the file's
 * --set values) and is refused with a PlanError that names the field, the cause and the fix; never a crash
 * or another kind of error. (bad-plans-cli.test.ts runs some through the real binary for exit code 2.)
 */
import { describe, expect, it } from 'vitest';
import { ALLOW_LINK_LOCAL_ENV } from '../../plan/link-local';
import { PlanError, loadPlan } from '../../plan/load';
import { badPlans } from './bad-plan-corpus';

const corpus = badPlans();
delete process.env[ALLOW_LINK_LOCAL_ENV];

function refusal(file: string, sets: string[]): PlanError {
  try {
    loadPlan(file, sets);
  } catch (err) {
    if (err instanceof PlanError) return err;
    throw new Error(`${file}: expected a PlanError, got ${(err as Error)?.stack ?? String(err)}`);
  }
  throw new Error(`${file}: the plan was valid`);
}

describe('the bad-plan corpus', () => {
  it('holds 100+ plans in every class the CLI must refuse', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    const classes = new Set(corpus.map((p) => p.class));
    for (const c of ['set', 'yaml', 'durations', 'steps', 'analysis', 'secrets', 'names', 'images', 'hints']) expect(classes).toContain(c);
  });

  it.each(corpus.map((p) => [`${p.class}/${p.name}`, p] as const))('%s is refused with its field, cause and fix', (_, p) => {
    const error = refusal(p.file, p.sets);
    expect(error.source).toBe(p.file);
    const issue = error.issues.find((i) => i.path === p.path && i.message.toLowerCase().includes(p.message.toLowerCase()));
    expect(issue, `issues were:\n${error.message}`).toBeDefined();
    for (const i of error.issues) expect(i.message.length, `"${i.path}: ${i.message}" says too little to act on`).toBeGreaterThan(15);
  });
});
