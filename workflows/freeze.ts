/**
 * The freeze workflow: one long-lived run per task queue owns the emergency freezes. `freeze` and `unfreeze`
 * change them; after each change, and every half minute while a freeze is in force, it tells the running
 * deployments of the environments concerned (the `broadcastFreezes` activity signals them), so a rollout that
 * started before the freeze, or missed a signal across a restart, is held all the same. It continues as new
 * before its history grows long.
 */
import {
  type ActivityInterfaceFor,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EmergencyFreeze } from '../plan/policy-types';
import type { PolicyActivities } from '../activities/policy';
import {
  type FreezeRequest,
  type FreezeState,
  checkFreezeRequest,
  freezeDescriptions,
  freezeScope,
  freezeUpdate,
  freezesQuery,
  unfreezeUpdate,
} from './freeze-messages';

const REBROADCAST_MS = 30_000;
const MAX_HISTORY_EVENTS = 2_000;

const broadcast: ActivityInterfaceFor<Pick<PolicyActivities, 'broadcastFreezes'>> = proxyActivities({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

const sameScope = (a: { environment: string; service?: string }, b: { environment: string; service?: string }) =>
  a.environment === b.environment && (a.service ?? '') === (b.service ?? '');

export async function freezeWorkflow(previous?: FreezeState): Promise<void> {
  const state: FreezeState = previous ?? { version: 0, freezes: [], lifted: [] };
  let changed = state.freezes.length > 0 || state.lifted.length > 0; // tell everyone again after continue-as-new

  setHandler(
    freezeUpdate,
    (request: FreezeRequest) => {
      const freeze: EmergencyFreeze = {
        environment: request.environment,
        ...(request.service ? { service: request.service } : {}),
        reason: request.reason,
        by: request.by,
        at: new Date().toISOString(),
      };
      state.freezes = [...state.freezes.filter((f) => !sameScope(f, freeze)), freeze];
      state.version += 1;
      changed = true;
      return { accepted: `froze ${freezeScope(freeze)}`, freezes: state.freezes };
    },
    { validator: checkFreezeRequest, description: freezeDescriptions.freeze },
  );
  setHandler(
    unfreezeUpdate,
    (request: FreezeRequest) => {
      state.freezes = state.freezes.filter((f) => !sameScope(f, request));
      state.lifted = [...new Set([...state.lifted, request.environment])];
      state.version += 1;
      changed = true;
      return { accepted: `unfroze ${freezeScope(request)}`, freezes: state.freezes };
    },
    {
      validator: (input) => {
        checkFreezeRequest(input);
        if (!state.freezes.some((f) => sameScope(f, input)))
          throw new Error(
            `${freezeScope(input)} is not frozen; in force: ${state.freezes.map((f) => freezeScope(f)).join(', ') || 'nothing'}`,
          );
      },
      description: freezeDescriptions.unfreeze,
    },
  );
  setHandler(freezesQuery, () => state, { description: freezeDescriptions.freezes });

  for (;;) {
    if (state.freezes.length > 0) await condition(() => changed, REBROADCAST_MS);
    else await condition(() => changed);
    changed = false;
    const environments = [...new Set([...state.freezes.map((f) => f.environment), ...state.lifted])];
    const told = { version: state.version, freezes: state.freezes };
    await broadcast.broadcastFreezes.executeWithOptions({ summary: `freezes v${told.version} → ${environments.join(', ')}` }, [
      { ...told, environments },
    ]);
    // Lifted while the broadcast ran: keep them, the next broadcast (with the newer version) tells them.
    if (state.version === told.version) state.lifted = [];
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof freezeWorkflow>(state);
    }
  }
}
