/**
 * The freeze workflow: one long-lived run per task queue owns the emergency freezes. `freeze` and `unfreeze`
 * change them; after each change it tells the running deployments of the environments concerned (the
 * `broadcastFreezes` activity signals them). A signal the server accepted is durable, so telling a run twice is
 * only for visibility lag: a run that read the freezes as it started, just before the change, may not be listed
 * yet by the broadcast's query. Half a minute after a change one follow-up broadcast tells the runs started
 * shortly before it; while nothing changes, nothing is sent (each signal adds events to every run's history).
 * It continues as new before its history grows long.
 */
import {
  type ActivityInterfaceFor,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EmergencyFreeze } from '../plan/policy-types';
import type { BroadcastInput, PolicyActivities } from '../activities/policy';
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

/**
 * The patch of freeze workflows that broadcast once per change plus one follow-up. Runs started before it told
 * every running deployment again every half minute while a freeze was in force.
 */
export const FREEZE_FOLLOW_UP = 'freeze-follow-up';

/** Runs started before it, while a freeze was in force: how often they told everyone again. */
const REBROADCAST_MS = 30_000;
/** After a change: when the follow-up broadcast goes, and how long before the change a run it tells may have started. */
const FOLLOW_UP_AFTER_MS = 30_000;
const FOLLOW_UP_STARTED_WITHIN_MS = 60_000;
const MAX_HISTORY_EVENTS = 2_000;

const broadcast: ActivityInterfaceFor<Pick<PolicyActivities, 'broadcastFreezes'>> = proxyActivities({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** A follow-up broadcast still owed after a change. */
interface FollowUp {
  /** When it goes (ms since the epoch, workflow time). */
  dueMs: number;
  /** It tells the runs started since then: shortly before the earliest change it follows. */
  startedSinceMs: number;
  environments: string[];
}

/** What a run hands to the next across continue-as-new, besides the freezes. */
export interface FreezeCarry {
  /** A change not yet broadcast. */
  untold: boolean;
  followUp?: FollowUp;
}

const sameScope = (a: { environment: string; service?: string }, b: { environment: string; service?: string }) =>
  a.environment === b.environment && (a.service ?? '') === (b.service ?? '');

/**
 * Versions only grow, even across a freeze workflow terminated or reset and started again: a deployment ignores
 * a broadcast older than the newest it saw, and would stay held. The workflow's time is deterministic.
 */
const nextVersion = (version: number) => Math.max(version + 1, Date.now());

export async function freezeWorkflow(previous?: FreezeState, carried?: FreezeCarry): Promise<void> {
  // Decided in the first workflow task, before any handler or await.
  const followsUp = patched(FREEZE_FOLLOW_UP);
  const state: FreezeState = previous ?? { version: 0, freezes: [], lifted: [] };
  // A run continued by one before the patch carries nothing: tell everyone again, as it would have.
  let changed = carried ? carried.untold : state.freezes.length > 0 || state.lifted.length > 0;
  let followUp = carried?.followUp;

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
      state.version = nextVersion(state.version);
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
      state.version = nextVersion(state.version);
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

  /** Tells the deployments of `environments` (only those started since `startedSince`, when given) the freezes now. */
  const tell = async (environments: string[], startedSince?: string) => {
    const input: BroadcastInput = {
      version: state.version,
      freezes: state.freezes,
      environments,
      ...(startedSince ? { startedSince } : {}),
    };
    const since = startedSince ? ` (runs started since ${startedSince})` : '';
    const summary = `freezes v${input.version} → ${environments.join(', ')}${since}`;
    await broadcast.broadcastFreezes.executeWithOptions({ summary }, [input]);
    return input.version;
  };

  /** Until a change, or the follow-up owed is due; runs before the patch woke every half minute while frozen. */
  const waitForWork = async (): Promise<void> => {
    if (!followsUp && state.freezes.length > 0) await condition(() => changed, REBROADCAST_MS);
    else if (!followUp) await condition(() => changed);
    else if (followUp.dueMs > Date.now()) await condition(() => changed, followUp.dueMs - Date.now(), { summary: 'follow-up broadcast' });
  };

  for (;;) {
    await waitForWork();
    if (changed || !followsUp) {
      changed = false;
      const environments = [...new Set([...state.freezes.map((f) => f.environment), ...state.lifted])];
      const startedAt = Date.now();
      const told = await tell(environments);
      // Lifted while the broadcast ran: keep them, the next broadcast (with the newer version) tells them.
      if (state.version === told) state.lifted = [];
      if (followsUp)
        followUp = {
          dueMs: Date.now() + FOLLOW_UP_AFTER_MS,
          startedSinceMs: Math.min(followUp?.startedSinceMs ?? startedAt, startedAt - FOLLOW_UP_STARTED_WITHIN_MS),
          environments: [...new Set([...(followUp?.environments ?? []), ...environments])],
        };
    } else if (followUp && followUp.dueMs <= Date.now()) {
      const { environments, startedSinceMs } = followUp;
      followUp = undefined;
      await tell(environments, new Date(startedSinceMs).toISOString());
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
      await condition(allHandlersFinished);
      if (followsUp) await continueAsNew<typeof freezeWorkflow>(state, { untold: changed, ...(followUp ? { followUp } : {}) });
      else await continueAsNew<typeof freezeWorkflow>(state);
    }
  }
}
