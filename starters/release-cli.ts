/**
 * The release commands of the glidepath CLI: `release <file>`, `where <service | system>`, and the release tree
 * that `status release:<system>` prints. Exit codes are deploy's: 0 promoted (or started), 1 not promoted,
 * 2 invalid file, 3 another release of the system runs.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { loadRelease } from '../plan/release-load';
import { webUiLink } from '../connection/temporal';
import { statusQuery } from '../workflows/messages';
import { releaseStatusQuery } from '../workflows/release-messages';
import { type ReleaseStatus, renderReleaseTree } from '../workflows/release-status';
import { getStatus } from './actions';
import { checkPolicy, emergencyFreezes } from './policy-check';
import { connectClient, defaultActor } from './client';
import { EXIT } from './exit-codes';
import { describeEnd } from './follow';
import { startRelease } from './release';
import { formatWhere, where } from './where';

const collect = (value: string, previous: string[]) => [...previous, value];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export function addReleaseCommands(program: Command): void {
  program
    .command('release')
    .argument('<file>', 'release file (YAML, kind: Release)')
    .option('--set <key=value>', 'override a field, e.g. version=v1.4.2', collect, [])
    .option('--follow', 'print progress and exit 0 promoted, 1 rolled back/halted/stopped')
    .option('--by <name>', 'who requests it (default: $GLIDEPATH_USER, $GITHUB_ACTOR, $USER)')
    .description('start a release (exit 2 invalid file, 3 another release of the system runs)')
    .action(async (file: string, opts: { set: string[]; follow?: boolean; by?: string }) => {
      const { release, stages } = loadRelease(file, opts.set);
      release.metadata.requestedBy ??= opts.by ?? defaultActor();
      const client = await connectClient();
      const runs = stages.flatMap((s) => s.waves.flat().map((t) => ({ plan: t.plan, system: release.metadata.system })));
      for (const note of checkPolicy(runs, await emergencyFreezes(client))) console.log(note);
      const started = await startRelease(client, release);
      if (started.kind === 'conflict') {
        console.error(
          `${release.metadata.system} is already releasing ${started.runningVersion} (phase ${started.phase}).\n` +
            `Wait for it, or abort it: glidepath abort ${started.workflowId} --reason "..."\n${webUiLink(started.workflowId)}`,
        );
        process.exitCode = EXIT.conflict;
        return;
      }
      const { handle } = started;
      console.log(`${started.kind === 'attached' ? 'attached to running' : 'started'} ${handle.workflowId}`);
      console.log(webUiLink(handle.workflowId));
      if (opts.follow) process.exitCode = await followRelease(handle);
    });

  program
    .command('where')
    .argument('<name>', 'a service or a system')
    .description('what version is live on each environment and target, since when and who asked, from Temporal visibility')
    .action(async (name: string) => {
      for (const line of formatWhere(await where(await connectClient(), name))) console.log(line);
    });
}

/** One line per change of the release's phase or of one of its targets, then the outcome as an exit code. */
export async function followRelease(
  handle: WorkflowHandle,
  print = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`),
): Promise<number> {
  let closed = false;
  const result = handle.result().finally(() => (closed = true));
  result.catch(() => undefined);
  const seen = new Map<string, string>();
  while (!closed) {
    const s = await Promise.race([handle.query(releaseStatusQuery).catch(() => undefined), sleep(3_000).then(() => undefined)]);
    if (s) {
      const lines = [
        `${s.phase.padEnd(17)} ${s.message}${s.gate ? `  → waiting for ${s.gate.kind}${s.gate.approvers?.length ? ` by ${s.gate.approvers.join('/')}` : ''}: glidepath approve ${handle.workflowId}` : ''}`,
      ];
      for (const stage of s.stages) for (const t of stage.targets) lines.push(`  ${stage.name} ${t.workflowId}: ${t.state}`);
      for (const line of lines) {
        const key = line.startsWith('  ') ? line.slice(0, line.lastIndexOf(':')) : 'release';
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
          if (s) live[t.workflowId] = `${s.phase}, traffic ${s.weight}%${s.gate ? `, waiting for ${s.gate.kind} "${s.gate.name}"` : ''}`;
        }),
    ),
  );
  const lines = [
    `${status.system} @ ${status.version}${status.commit ? `   (commit ${status.commit.sha})` : ''}${status.requestedBy ? `   requested by ${status.requestedBy}` : ''}`,
    `phase:    ${status.phase}${status.stage ? ` (stage ${status.stage})` : ''}`,
    `now:      ${status.message}`,
  ];
  if (status.gate)
    lines.push(
      `waiting:  ${status.gate.kind} "${status.gate.name}"${status.gate.approvers?.length ? ` by ${status.gate.approvers.join(', ')}` : ''}${status.gate.deadline ? ` until ${status.gate.deadline}` : ''}`,
    );
  if (status.outcome) lines.push(`outcome:  ${status.outcome.result}: ${status.outcome.reason}`);
  lines.push(...renderReleaseTree(status, live));
  const actions = status.actions.slice(-5);
  if (actions.length)
    lines.push(
      'actions:',
      ...actions.map(
        (a) =>
          `  ${a.at}  ${a.action}${a.gate ? ` (${a.gate})` : ''} by ${a.by}${a.reason ? `: ${a.reason}` : ''}${a.note ? ` [${a.note}]` : ''}`,
      ),
    );
  return { text: lines.join('\n'), status };
}
