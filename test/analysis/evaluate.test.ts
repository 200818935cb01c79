/** The pure measurement logic: conditions, judging one value, templates, and the outcome state machines. */
import { describe, expect, it } from 'vitest';
import { type Limits, decide, emptyTally, judge, overall, parseCondition, renderTemplate, tally } from '../../activities/analysis/evaluate';
import type { MeasurementOutcome } from '../../plan/analysis';

describe('conditions', () => {
  it.each([
    ['result < 0.01', 0.005, true],
    ['result < 0.01', 0.01, false],
    ['result <= 0.01', 0.01, true],
    ['result > 2', 2, false],
    ['result >= 2', 2, true],
    ['result == 1', 1, true],
    ['result != 1', 1, false],
    ['result < -1.5', -2, true],
    ['result < 1e-3', 0.0005, true],
    ['  result>=200&&result<300 ', 204, true],
    ['result >= 200 && result < 300', 404, false],
    ['result < 0 || result > 10', 11, true],
    ['result < 0 || result > 10', 5, false],
    ['result > 1 && result < 3 || result == 10', 10, true],
    ['result < 1', Number.POSITIVE_INFINITY, false],
  ])('%s with %s → %s', (condition, value, expected) => {
    expect(parseCondition(condition)(value)).toBe(expected);
  });

  it.each(['result < ', 'value < 1', 'result << 1', 'result < 1 and result > 0', 'result < abc', ''])(
    'rejects %j with the fix',
    (condition) => {
      expect(() => parseCondition(condition)).toThrow(/write "result <op> <number>"/);
    },
  );
});

describe('judging one measurement', () => {
  it.each<[string, { successCondition?: string; failureCondition?: string }, number, MeasurementOutcome]>([
    ['failure condition met', { failureCondition: 'result > 0.01' }, 0.02, 'failed'],
    ['failure condition not met', { failureCondition: 'result > 0.01' }, 0.001, 'passed'],
    ['success condition met', { successCondition: 'result < 0.01' }, 0.001, 'passed'],
    ['success condition not met', { successCondition: 'result < 0.01' }, 0.02, 'failed'],
    ['both: success', { successCondition: 'result < 0.01', failureCondition: 'result > 0.05' }, 0.001, 'passed'],
    ['both: failure', { successCondition: 'result < 0.01', failureCondition: 'result > 0.05' }, 0.1, 'failed'],
    ['both: neither is inconclusive', { successCondition: 'result < 0.01', failureCondition: 'result > 0.05' }, 0.02, 'inconclusive'],
    ['both met: failure wins', { successCondition: 'result < 1', failureCondition: 'result > 0' }, 0.5, 'failed'],
    ['NaN is an error, never a pass', { failureCondition: 'result > 0.01' }, Number.NaN, 'error'],
  ])('%s', (_, metric, value, expected) => {
    expect(judge(value, metric)).toBe(expected);
  });
});

describe('templates', () => {
  const vars = { service: 'payments', canaryVersion: '7', stableVersion: '6' };
  it('fills variables, with or without spaces', () => {
    expect(renderTemplate('x{service="{{service}}",version="{{ canaryVersion }}"}', vars)).toBe('x{service="payments",version="7"}');
  });
  it('a variable without a value is an error', () => {
    expect(() => renderTemplate('{{release}}', vars)).toThrow('template variable {{release}} has no value here');
  });
});

describe('metric outcome state machine', () => {
  const limits = (over: Partial<Limits> = {}): Limits => ({
    count: 3,
    failureLimit: 0,
    consecutiveErrorLimit: 2,
    inconclusiveLimit: 0,
    ...over,
  });
  const P = 'passed',
    F = 'failed',
    I = 'inconclusive',
    E = 'error';
  const run = (outcomes: MeasurementOutcome[], l: Limits) => {
    let t = emptyTally();
    const decidedAt: number[] = [];
    outcomes.forEach((o, i) => {
      const before = t.outcome;
      t = tally(t, o, l);
      if (!before && t.outcome) decidedAt.push(i + 1);
    });
    return { outcome: t.outcome, decidedAfter: decidedAt[0], tally: t };
  };

  it.each<[string, MeasurementOutcome[], Partial<Limits>, string | undefined, number | undefined]>([
    ['all pass: passed after count', [P, P, P], {}, 'passed', 3],
    ['not yet count: undecided', [P, P], {}, undefined, undefined],
    ['one failure over failureLimit 0: failed at once', [P, F, P], {}, 'failed', 2],
    ['failures within failureLimit: passed', [F, P, F], { failureLimit: 2 }, 'passed', 3],
    ['failures past failureLimit: failed', [F, F, F], { failureLimit: 2 }, 'failed', 3],
    ['errors do not count toward count', [E, P, E, P, P], {}, 'passed', 5],
    ['errors past consecutiveErrorLimit: failed', [E, E, E], {}, 'failed', 3],
    ['a missing metric never passes, even with count 1', [E, E, E], { count: 1 }, 'failed', 3],
    ['non-consecutive errors: reset by a measurement', [E, E, P, E, E, P, P], {}, 'passed', 7],
    ['consecutiveErrorLimit 0: the first error fails', [E], { consecutiveErrorLimit: 0 }, 'failed', 1],
    ['inconclusive over inconclusiveLimit: inconclusive', [P, I], {}, 'inconclusive', 2],
    ['inconclusive within limit: passed', [I, P, P], { inconclusiveLimit: 1 }, 'passed', 3],
    ['failure before inconclusive limit: failed', [I, F], { inconclusiveLimit: 1 }, 'failed', 2],
    ['unbounded count: never passes on its own', [P, P, P, P, P, P], { count: Number.POSITIVE_INFINITY }, undefined, undefined],
    ['unbounded count: fails on a failure', [P, P, P, F], { count: Number.POSITIVE_INFINITY }, 'failed', 4],
    ['measurements after the decision change nothing', [F, P, P, P], {}, 'failed', 1],
  ])('%s', (_, outcomes, over, expected, after) => {
    const r = run(outcomes, limits(over));
    expect(r.outcome).toBe(expected);
    expect(r.decidedAfter).toBe(after);
  });

  it('decide is the same rule, on a tally', () => {
    expect(decide({ ...emptyTally(), measured: 3, passed: 3 }, limits())).toBe('passed');
    expect(decide({ ...emptyTally(), consecutiveErrors: 3, errors: 3 }, limits())).toBe('failed');
  });
});

describe('analysis outcome', () => {
  it.each<[string, Array<{ outcome?: 'passed' | 'failed' | 'inconclusive'; bounded: boolean }>, { done: boolean; outcome: string }]>([
    [
      'all passed',
      [
        { outcome: 'passed', bounded: true },
        { outcome: 'passed', bounded: true },
      ],
      { done: true, outcome: 'passed' },
    ],
    ['one failed: done at once', [{ outcome: 'failed', bounded: true }, { bounded: true }], { done: true, outcome: 'failed' }],
    [
      'inconclusive waits for bounded metrics',
      [{ outcome: 'inconclusive', bounded: true }, { bounded: true }],
      { done: false, outcome: 'inconclusive' },
    ],
    [
      'inconclusive does not wait for unbounded ones',
      [{ outcome: 'inconclusive', bounded: true }, { bounded: false }],
      { done: true, outcome: 'inconclusive' },
    ],
    [
      'failed beats inconclusive',
      [
        { outcome: 'inconclusive', bounded: true },
        { outcome: 'failed', bounded: true },
      ],
      { done: true, outcome: 'failed' },
    ],
    ['still measuring', [{ outcome: 'passed', bounded: true }, { bounded: false }], { done: false, outcome: 'passed' }],
  ])('%s', (_, metrics, expected) => {
    expect(overall(metrics)).toEqual(expected);
  });
});
