/** What an approver signs, for the signature tests: alice approving the prod gate of one run. */
import type { SignedFields } from '../../workflows/approval-payload';

export const ALICE_APPROVES: SignedFields = {
  workflowId: 'deploy:payments/prod',
  runId: 'run-1',
  gate: 'policy:prod',
  decision: 'approve',
  by: 'alice',
  signedAt: '2026-11-28T10:00:00.000Z',
};
