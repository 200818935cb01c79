/** Which policy rules apply to a run, and deploy windows across time zones and a DST change (pure, no servers). */
import { expect, it } from 'vitest';
import { PlanError } from '../../plan/plan-error';
import { loadPolicyFile } from '../../plan/policy-load';
import { applicablePolicy } from '../../plan/policy-resolve';
import type { DeployWindow } from '../../plan/policy-types';
import { windowState } from '../../plan/policy-window';
import { canary, lambdaPlan } from '../support/plans';
import { policyFile, writeYaml } from './support';

const berlin: DeployWindow = {
  rule: 'office',
  days: ['mon', 'tue', 'wed', 'thu'],
  from: '09:00',
  to: '16:00',
  timeZone: 'Europe/Berlin',
  outside: 'wait',
};

it('a window in Europe/Berlin: open inside, the next opening outside, across the switch to summer time', () => {
  // Thu 09:30 CET, closes 16:00 CET.
  expect(windowState(berlin, Date.parse('2026-03-26T08:30:00Z'))).toEqual({ open: true, closesAt: '2026-03-26T15:00:00.000Z' });
  expect(windowState(berlin, Date.parse('2026-03-27T10:00:00Z'))).toEqual({
    open: false,
    opensAt: '2026-03-30T07:00:00.000Z', // Mon 09:00 CEST, after the DST change of Sunday
    opensLabel: 'Mon 09:00 CEST',
  });
  expect(windowState(berlin, Date.parse('2026-01-05T06:00:00Z'))).toEqual({
    open: false,
    opensAt: '2026-01-05T08:00:00.000Z',
    opensLabel: 'Mon 09:00 CET',
  });
});

it('rules apply by glob; a guardrail, a scheduled freeze and a refusing window block and are named', () => {
  const file = policyFile('resolve', { sre: ['bob'] }, [
    { name: 'prod-sre', match: { environment: 'prod*' }, approvals: { count: 1, from: ['sre'] } },
    { name: 'payments', match: { service: 'pay*', environment: 'prod' }, guardrails: { requireAnalysis: true } },
    {
      name: 'year-end',
      match: { environment: 'prod' },
      freezes: [{ from: '2026-12-21T00:00:00Z', to: '2027-01-04T00:00:00Z', reason: 'year end' }],
    },
    { name: 'staging-hours', match: { environment: 'staging' }, window: { ...berlin, rule: undefined, outside: 'refuse' } },
  ]);
  const loaded = loadPolicyFile(file);
  const plan = (service: string, environment: string) => {
    const p = lambdaPlan(service, canary({ setWeight: 10 }));
    p.metadata.environment = environment;
    return p;
  };
  const at = (service: string, environment: string, iso: string) =>
    applicablePolicy(loaded, { service, environment }, plan(service, environment), Date.parse(iso));

  const orders = at('orders', 'prod', '2026-06-01T10:00:00Z');
  expect(orders).toMatchObject({
    rules: ['prod-sre', 'year-end'],
    approvals: [{ gate: 'policy:prod-sre', approvers: ['bob'], fourEyes: true }],
  });
  expect(orders.blocked).toBeUndefined();
  expect(at('payments', 'prod', '2026-06-01T10:00:00Z').blocked).toMatchObject({
    rule: 'payments',
    reason: expect.stringContaining('analysis step'),
  });
  const yearEnd = at('orders', 'prod', '2026-12-24T10:00:00Z');
  expect(yearEnd.blocked).toMatchObject({ rule: 'year-end', reason: expect.stringContaining('year end') });
  expect(yearEnd.frozenOnly).toBe(true); // a release's target holds instead
  const yearEndPayments = at('payments', 'prod', '2026-12-24T10:00:00Z'); // a guardrail broken too
  expect(yearEndPayments.blocked).toMatchObject({ rule: 'year-end' });
  expect(yearEndPayments.frozenOnly).toBeUndefined();
  expect(orders.frozenOnly).toBeUndefined();
  expect(at('orders', 'staging', '2026-06-06T10:00:00Z').blocked).toMatchObject({
    rule: 'staging-hours',
    reason: expect.stringContaining('opens Mon 09:00 CEST'),
  });
  expect(
    applicablePolicy(loaded, { service: 'orders', environment: 'prod' }, undefined, 0, [
      { environment: 'prod', service: 'orders', by: 'oncall', reason: 'incident', at: 'now' },
    ]).blocked,
  ).toMatchObject({ rule: 'freeze prod/orders' });
  const emergency = [{ environment: 'prod', by: 'oncall', reason: 'incident', at: 'now' }];
  const frozenAt = (service: string) =>
    applicablePolicy(loaded, { service, environment: 'prod' }, plan(service, 'prod'), Date.parse('2026-06-01T10:00:00Z'), emergency);
  expect(frozenAt('orders')).toMatchObject({ blocked: { rule: 'freeze prod' }, frozenOnly: true });
  // Frozen, and a guardrail broken too: a release's target is refused all the same.
  expect(frozenAt('payments').blocked).toMatchObject({ rule: 'freeze prod' });
  expect(frozenAt('payments').frozenOnly).toBeUndefined();
});

it('a policy file with an unknown group or a bad window is refused, naming the field', () => {
  const file = writeYaml('bad-policy.yaml', {
    apiVersion: 'glidepath/v1',
    kind: 'Policy',
    rules: [{ name: 'x', approvals: { from: ['nobody'] }, window: { from: '17:00', to: '09:00', timeZone: 'Mars/Olympus' } }],
  });
  expect(() => loadPolicyFile(file)).toThrow(PlanError);
  expect(() => loadPolicyFile(file)).toThrow(/no group "nobody"/);
  expect(() => loadPolicyFile(file)).toThrow(/IANA time zone/);
});
