/**
 * Who requests a run the CLI starts (starters/requester.ts), and four-eyes for a run with no requester
 * (workflows/policy-approvals.ts): pure, no servers.
 */
import { expect, it } from 'vitest';
import { actor } from '../../starters/requester';
import { policyRefusal } from '../../workflows/policy-approvals';
import type { Gate } from '../../workflows/status';

it('the requester is --by, else $GLIDEPATH_USER, else the CI user, else $USER; an empty variable names no one', () => {
  const ci = { GITHUB_ACTOR: 'octocat', GITLAB_USER_LOGIN: 'tanuki', USER: 'runner' };
  expect(actor('alice', { GLIDEPATH_USER: 'bob', ...ci })).toEqual({ name: 'alice', from: '--by' });
  expect(actor(undefined, { GLIDEPATH_USER: 'bob', ...ci })).toEqual({ name: 'bob', from: '$GLIDEPATH_USER' });
  expect(actor(undefined, { GLIDEPATH_USER: '', ...ci })).toEqual({ name: 'octocat', from: '$GITHUB_ACTOR' });
  expect(actor(undefined, { GITLAB_USER_LOGIN: 'tanuki', USER: 'runner' })).toEqual({ name: 'tanuki', from: '$GITLAB_USER_LOGIN' });
  expect(actor(undefined, { BUILDKITE_BUILD_CREATOR: 'kite', USER: 'runner' })).toEqual({ name: 'kite', from: '$BUILDKITE_BUILD_CREATOR' });
  expect(actor(undefined, { USER: 'runner' })).toEqual({ name: 'runner', from: '$USER' });
});

it('four-eyes with no requester takes no approval, naming the rule; rejecting stays open', () => {
  const gate: Gate = { kind: 'approval', name: 'policy:prod-sre', approvers: ['bob'], required: 1, approvedBy: [], rule: 'prod-sre' };
  const unknown = { fourEyesRule: 'prod-sre' };
  expect(policyRefusal(gate, 'bob', true, unknown)).toEqual({
    rule: 'prod-sre',
    message: expect.stringMatching(
      /^the requester of this run is unknown .*four-eyes \(policy rule "prod-sre"\) cannot tell whether bob requested it/,
    ),
  });
  expect(policyRefusal(gate, 'bob', false, unknown)).toBeUndefined();
  expect(policyRefusal(gate, 'bob', true, { ...unknown, requestedBy: 'alice' })).toBeUndefined();
  expect(policyRefusal(gate, 'bob', true, { requestedBy: undefined })).toBeUndefined(); // no four-eyes rule applies
});
