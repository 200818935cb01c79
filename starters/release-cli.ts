/**
 * What the release commands of the glidepath CLI (starters/release-commands.ts) do once they run: follow a
 * release, and the release tree that `status release:<system>` prints.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { statusQuery } from '../workflows/messages';
import { releaseStatusQuery } from '../workflows/release-messages';
import { type ReleaseStatus, renderReleaseTree, targetGateText, waitingGate } from '../workflows/release-status';
import { afterRunText, gateCommand, notificationsText } from '../workflows/status-text';
import { getStatus } from './actions';
import { EXIT } from './exit-codes';
import { NO_WORKER, QUERY_PATIENCE_MS, UNANSWERED_BEFORE_WARNING, describeEnd, undecryptable } from './follow';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** One line per change of the release's phase or of one of its targets, then the outcome as an exit code. */
export async function followRelease(
  handle: WorkflowHandle,
  print = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`),
): Promise<number> {
  let closed = false;
  const stop = new AbortController();
  const result = handle.client.withAbortSignal(stop.signal, () => handle.result()).finally(() => (closed = true));
  result.catch(() => undefined);
  const seen = new Map<string, string>();
  // A status this CLI cannot decrypt ends the command with the key error, as in `deploy --follow` (follow.ts).
  const query = () =>
    handle.query(releaseStatusQuery).catch((err) => {
      const keyProblem = undecryptable(err);
      if (!keyProblem) return undefined;
      stop.abort();
      throw keyProblem;
    });
  let unanswered = 0;
  while (!closed) {
    // A query waits for a worker to answer it; with none running it would wait silently for a long time.
    const s = await Promise.race([query(), sleep(QUERY_PATIENCE_MS).then(() => undefined)]);
    if (!s && ++unanswered === UNANSWERED_BEFORE_WARNING && !closed) print(NO_WORKER);
    if (s) {
      unanswered = 0;
      // [what the line is about, the line]: a line is printed when it changed since the last one about the same.
      const who = s.gate?.approvers?.length ? ` by ${s.gate.approvers.join('/')}` : '';
      const waiting = s.gate ? `  → waiting for ${s.gate.kind}${who}: ${gateCommand(s.gate, handle.workflowId)}` : '';
      const lines: [string, string][] = [['release', `${s.phase.padEnd(17)} ${s.message}${waiting}`]];
      for (const stage of s.stages) {
        for (const t of stage.targets) {
          const waiting = waitingGate(t);
          const gate = waiting ? `  → ${targetGateText(waiting, t.workflowId)}` : '';
          lines.push([t.workflowId, `  ${stage.name} ${t.workflowId}: ${t.state}${gate}`]);
        }
        if (stage.gateAnalysis)
          lines.push([`${stage.name} gate`, `  ${stage.name} gate analysis "${stage.gateAnalysis.name}": ${stage.gateAnalysis.state}`]);
      }
      for (const [key, line] of lines) {
        if (seen.get(key) !== line) print(line);
        seen.set(key, line);
      }
    }
    await Promise.race([result.catch(() => undefined), sleep(1_000)]);
  }
  try {
    await result;
    print('PROMOTED');
    return EXIT.ok;
  } catch (err) {
    print(describeEnd(err));
    return EXIT.failed;
  }
}

/** `status release:<system>`: the tree, with each moving target's own phase, traffic and gate. */
export async function formatReleaseStatus(client: Client, workflowId: string): Promise<{ text: string; status: ReleaseStatus }> {
  const status = (await getStatus(client, workflowId)) as unknown as ReleaseStatus;
  const live: Record<string, string> = {};
  await Promise.all(
    status.stages.flatMap((stage) =>
      stage.targets
        .filter((t) => t.state === 'running' || t.state === 'held')
        .map(async (t) => {
          const s = await client.workflow
            .getHandle(t.workflowId)
            .query(statusQuery)
            .catch(() => undefined);
          if (!s) return;
          live[t.workflowId] = `${s.phase}, traffic ${s.weight}%`;
          t.gate = s.gate; // the target's own word is fresher than its last report to the release
        }),
    ),
  );
  const lines = [
    `${status.system} @ ${status.version}` +
      `${status.commit ? `   (commit ${status.commit.sha})` : ''}${status.requestedBy ? `   requested by ${status.requestedBy}` : ''}`,
    `phase:    ${status.phase}${status.stage ? ` (stage ${status.stage})` : ''}`,
    `now:      ${status.message}`,
  ];
  if (status.gate)
    lines.push(
      `waiting:  ${status.gate.kind} "${status.gate.name}"` +
        `${status.gate.approvers?.length ? ` by ${status.gate.approvers.join(', ')}` : ''}` +
        `${status.gate.deadline ? ` until ${status.gate.deadline}` : ''}`,
    );
  if (status.paused)
    lines.push(
      `paused:   by ${status.paused.by} at ${status.paused.at}` +
        `${status.paused.reason ? `: ${status.paused.reason}` : ''} (glidepath resume ${workflowId})`,
    );
  if (status.outcome) lines.push(`outcome:  ${status.outcome.result}: ${status.outcome.reason}`);
  if (status.notifications?.failed) lines.push(`warning:  ${notificationsText(status.notifications)}`);
  if (status.notifications?.afterRun) lines.push(`notify:   ${afterRunText(status.notifications.afterRun, workflowId)}`);
  lines.push(...renderReleaseTree(status, live));
  const actions = status.actions.slice(-5);
  if (actions.length)
    lines.push(
      'actions:',
      ...actions.map(
        (a) =>
          `  ${a.at}  ${a.action}${a.gate ? ` (${a.gate})` : ''} by ${a.by}` +
          `${a.reason ? `: ${a.reason}` : ''}${a.note ? ` [${a.note}]` : ''}`,
      ),
    );
  return { text: lines.join('\n'), status };
}
