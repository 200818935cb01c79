/** `--set` keeps text as text unless the field takes a number or true/false, and cannot reach outside the plan. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/load';

const example = readFileSync(path.join(__dirname, '..', '..', 'examples', 'lambda-canary.yaml'), 'utf8');

describe('--set', () => {
  it.each([
    ['release=20261123', '20261123'],
    ['release=1.10', '1.10'],
    ['release=0777', '0777'],
    ['metadata.release=2026.11.23-1', '2026.11.23-1'],
  ])('%s keeps the text "%s"', (set, release) => {
    expect(parsePlan(example, 'plan', [set]).metadata.release).toBe(release);
  });

  it('reads a number where the plan wants one, and true/false where it wants a boolean', () => {
    const plan = parsePlan(example, 'plan', ['strategy.steps[0].setWeight=5']);
    expect(plan.strategy.type === 'canary' && plan.strategy.steps[0].setWeight).toBe(5);
  });

  it('appends one step past the end, and no further', () => {
    const plan = parsePlan(example, 'plan', ['strategy.steps[6].pause.duration=1m']);
    expect(plan.strategy.type === 'canary' && plan.strategy.steps).toHaveLength(7);
  });

  it('never reaches Object.prototype', () => {
    for (const set of ['__proto__.polluted=1', 'constructor.prototype.polluted=1', 'metadata.__proto__.polluted=1']) {
      expect(() => parsePlan(example, 'plan', [set])).toThrow(/not a plan field/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
