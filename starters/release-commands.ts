/**
 * The release commands of the glidepath CLI: `release <file>` and `where <service | system>`. Exit codes are
 * deploy's: 0 promoted (or started), 1 not promoted, 2 invalid file, 3 another release of the system runs.
 * Each loads what it needs when it runs (starters/cli.ts), so defining them loads nothing.
 */
import type { Command } from 'commander';
import { EXIT } from './exit-codes';

const collect = (value: string, previous: string[]) => [...previous, value];

export function addReleaseCommands(program: Command): void {
  program
    .command('release')
    .argument('<file>', 'release file (YAML, kind: Release)')
    .option('--set <key=value>', 'override a field, e.g. version=v1.4.2', collect, [])
    .option('--follow', 'print progress and exit 0 promoted, 1 rolled back/halted/stopped')
    .option('--by <name>', 'who requests it (default: $GLIDEPATH_USER, the CI user, $USER); the release file cannot name another')
    .description('start a release (exit 2 invalid file, 3 another release of the system runs)')
    .action(async (file: string, opts: { set: string[]; follow?: boolean; by?: string }) => {
      const { release, stages } = (require('../plan/release-load') as typeof import('../plan/release-load')).loadRelease(file, opts.set);
      const { connectClient } = require('./client') as typeof import('./client');
      const { stampRelease } = require('./requester') as typeof import('./requester');
      const { startRelease } = require('./release') as typeof import('./release');
      const { webUiLink } = require('../connection/temporal') as typeof import('../connection/temporal');
      const { checkPolicy, emergencyFreezes, releaseRuns } = require('./policy-check') as typeof import('./policy-check');
      stampRelease(file, release, stages, opts.by); // the requester runs the command; the file cannot name another
      const temporal = await connectClient();
      for (const note of checkPolicy(releaseRuns(release.metadata.system, stages), await emergencyFreezes(temporal))) console.log(note);
      const started = await startRelease(temporal, release);
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
      const { followRelease } = require('./release-cli') as typeof import('./release-cli');
      if (opts.follow) process.exitCode = await followRelease(handle);
    });

  program
    .command('where')
    .argument('<name>', 'a service or a system')
    .description(
      'what version is live on each environment and target, since when, who promoted and who asked, ' +
        "from Temporal visibility (the namespace's retention)",
    )
    .action(async (name: string) => {
      const { connectClient } = require('./client') as typeof import('./client');
      const { checkWhereName, formatWhere, where } = require('./where') as typeof import('./where');
      checkWhereName(name); // before connecting: bad input exits 2 with nothing sent
      for (const line of formatWhere(await where(await connectClient(), name), name)) console.log(line);
    });
}
