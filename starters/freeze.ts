/**
 * `glidepath freeze`, `unfreeze` and `freezes`: emergency freezes, held by the freeze workflow of the task queue
 * (started by the first freeze). A freeze refuses new starts in its scope and holds running rollouts at their
 * next step; abort and rollback still work.
 */
import type { Command } from 'commander';
import type { EmergencyFreeze } from '../plan/policy-types';
import type { freezeWorkflow } from '../workflows/freeze';
import type { FreezeRequest } from '../workflows/freeze-messages';
import { ActionRefused } from './action-refused';
import { UsageError } from './usage-error';

// Loaded when a command runs, not for every CLI start (`--help` among them): the messages load the workflow SDK.
const client = () => require('./client') as typeof import('./client');
const messages = () => require('../workflows/freeze-messages') as typeof import('../workflows/freeze-messages');

interface FreezeOptions {
  env: string;
  service?: string;
  reason: string;
  by?: string;
}

/** The flag each field of a request comes from, as a refusal names it. */
const FLAGS: Record<string, string> = {
  environment: '--env',
  service: '--service',
  by: '--by (or $GLIDEPATH_USER, $GITHUB_ACTOR, $USER)',
  reason: '--reason',
};

/** Refuses, before anything is sent, a request the freeze workflow's validator would refuse (the same rules). */
function checkRequest(request: FreezeRequest): void {
  const found = messages().freezeRequestProblem(request);
  if (found) throw new UsageError(`${FLAGS[found.field] ?? found.field}: ${found.problem}`);
}

const describeFreeze = (f: EmergencyFreeze) => `${messages().freezeScope(f).padEnd(24)} by ${f.by} since ${f.at}: ${f.reason}`;

export function addFreezeCommands(program: Command): void {
  for (const [name, description] of [
    ['freeze', 'freeze an environment (or one service): new starts refused (exit 4), running rollouts held at their next step'],
    ['unfreeze', 'lift a freeze: held rollouts continue'],
  ] as const) {
    program
      .command(name)
      .requiredOption('--env <environment>', 'the environment, e.g. prod')
      .option('--service <service>', 'only this service')
      .requiredOption('--reason <text>', 'why')
      .option('--by <name>', 'who (default: $GLIDEPATH_USER, $GITHUB_ACTOR, $USER)')
      .description(description)
      .action(async (opts: FreezeOptions) => {
        const { connectClient, defaultActor } = client();
        const { WithStartWorkflowOperation } = require('@temporalio/client') as typeof import('@temporalio/client');
        const { TASK_QUEUE } = require('../connection/temporal') as typeof import('../connection/temporal');
        const { freezeScope, freezeUpdate, freezeWorkflowId, unfreezeUpdate } = messages();
        const request: FreezeRequest = {
          environment: opts.env,
          ...(opts.service ? { service: opts.service } : {}),
          by: opts.by ?? defaultActor(),
          reason: opts.reason,
        };
        checkRequest(request);
        const temporal = await connectClient(`glidepath-cli:${request.by}`);
        const workflowId = freezeWorkflowId(TASK_QUEUE);
        try {
          const receipt =
            name === 'freeze'
              ? await temporal.workflow.executeUpdateWithStart(freezeUpdate, {
                  args: [request],
                  startWorkflowOperation: new WithStartWorkflowOperation<typeof freezeWorkflow>('freezeWorkflow', {
                    workflowId,
                    taskQueue: TASK_QUEUE,
                    args: [],
                    workflowIdConflictPolicy: 'USE_EXISTING',
                    staticSummary: 'emergency freezes of this task queue',
                  }),
                })
              : await temporal.workflow.getHandle(workflowId).executeUpdate(unfreezeUpdate, { args: [request] });
          console.log(receipt.accepted);
          for (const f of receipt.freezes) console.log(`  frozen: ${describeFreeze(f)}`);
        } catch (err) {
          if ((err as Error).name === 'WorkflowNotFoundError') throw new ActionRefused(`${freezeScope(request)} is not frozen: nothing is`);
          const cause = (err as { cause?: Error }).cause;
          throw new ActionRefused(`${name} refused: ${cause?.message ?? (err as Error).message}`);
        }
      });
  }

  program
    .command('freezes')
    .description('the emergency freezes in force')
    .action(async () => {
      const { emergencyFreezes } = require('./policy-check') as typeof import('./policy-check');
      const freezes = await emergencyFreezes(await client().connectClient());
      if (freezes.length === 0) console.log('nothing is frozen');
      for (const f of freezes) console.log(describeFreeze(f));
    });
}
