/**
 * Policy activities: what the workflows may not compute themselves. `loadPolicy` reads the worker's policy file
 * (zod, Intl) and the emergency freezes, `deployWindow` answers time-zone questions for the workflow's own time,
 * and `broadcastFreezes` tells running deployments about freezes (through the worker's client).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { PlanError } from '../plan/plan-error';
import { type LoadedPolicy, loadPolicyFile } from '../plan/policy-load';
import { applicablePolicy } from '../plan/policy-resolve';
import type { AppliedPolicy, DeployWindow, WindowState } from '../plan/policy-types';
import { windowState } from '../plan/policy-window';
import type { Plan } from '../plan/schema';
import { type FreezeBroadcast, type FreezeState, freezeWorkflowId, freezesQuery, freezesSignal } from '../workflows/freeze-messages';

export interface LoadPolicyInput {
  plan: Plan;
  system?: string;
  /** The workflow's time (ms since the epoch), so a time-skipping server and replays see the same answer. */
  nowMs: number;
}

export interface BroadcastInput extends FreezeBroadcast {
  environments: string[];
  /** Only runs started at or after this time (ISO 8601): a follow-up for those a broadcast's query may have missed. */
  startedSince?: string;
}

export interface PolicyActivities {
  loadPolicy(input: LoadPolicyInput): Promise<AppliedPolicy & { freezeVersion: number }>;
  deployWindow(input: { window: DeployWindow; nowMs: number }): Promise<WindowState>;
  broadcastFreezes(input: BroadcastInput): Promise<number>;
}

/** `policyFile`: the worker's policy (GLIDEPATH_POLICY_FILE); read again at every run start, so edits apply to new runs. */
export function createPolicyActivities(policyFile?: string): PolicyActivities {
  return {
    async loadPolicy({ plan, system, nowMs }) {
      let loaded: LoadedPolicy | undefined;
      try {
        loaded = policyFile ? loadPolicyFile(policyFile) : undefined;
      } catch (err) {
        if (err instanceof PlanError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPolicy');
        throw err;
      }
      const freezes = await currentFreezes();
      const subject = { service: plan.metadata.service, environment: plan.metadata.environment, system };
      return { ...applicablePolicy(loaded, subject, plan, nowMs, freezes.freezes), freezeVersion: freezes.version };
    },
    async deployWindow({ window, nowMs }) {
      return windowState(window, nowMs);
    },
    async broadcastFreezes({ environments, version, freezes, startedSince }) {
      const { client, info } = Context.current();
      // Names the freeze workflow's validator accepted (no quotes), and a time it wrote itself.
      const envs = environments.some((e) => e.includes('*'))
        ? ''
        : ` AND DeployEnvironment IN (${environments.map((e) => `'${e}'`).join(', ')})`;
      const since = startedSince ? ` AND StartTime >= '${new Date(startedSince).toISOString()}'` : '';
      const running = `WorkflowType = 'deploymentWorkflow' AND ExecutionStatus = 'Running'`;
      const query = `${running} AND TaskQueue = '${info.taskQueue}'${envs}${since}`;
      let told = 0;
      for await (const run of client.workflow.list({ query })) {
        Context.current().heartbeat(run.workflowId);
        try {
          await client.workflow.getHandle(run.workflowId, run.runId).signal(freezesSignal, { version, freezes });
          told++;
        } catch (err) {
          if ((err as Error).name !== 'WorkflowNotFoundError') throw err; // it closed meanwhile
        }
      }
      return told;
    },
  };
}

/** The freeze workflow's state for this worker's task queue; none yet when nobody ever froze anything. */
async function currentFreezes(): Promise<FreezeState> {
  const { client, info } = Context.current();
  try {
    return await client.workflow.getHandle(freezeWorkflowId(info.taskQueue)).query(freezesQuery);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return { version: 0, freezes: [], lifted: [] };
    throw err;
  }
}
