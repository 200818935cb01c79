/**
 * glidepath: validate, deploy and steer deployment plans.
 *
 *   glidepath validate plan.yaml|release.yaml     check a plan or a release file; exit 2 if invalid
 *   glidepath deploy plan.yaml [--set k=v] [--follow]
 *   glidepath status|approve|reject|abort|pause|resume|promote <workflow-id | service/environment>
 *   glidepath list                                running releases and deployments
 *   glidepath release release.yaml [--set version=v2] [--follow]
 *   glidepath where <service | system>            what is live where, from Temporal visibility
 *   glidepath audit <ref> [--since 7d] [--format json|csv]   every decision of every run in retention
 *   glidepath worker                              run a worker
 *   glidepath codec-server                        decrypt payloads for the Web UI and the Temporal CLI
 *   glidepath schema                              the plan's JSON Schema, for editors
 */
import './compile-cache'; // first: every module after it loads from the compile cache
import { Command, CommanderError, Option } from 'commander';
import { PlanError } from '../plan/plan-error';
import type { Plan } from '../plan/schema';
import { ActionRefused } from './action-refused';
import { UsageError } from './usage-error';
import { KeyConfigurationError } from '../encryption/keys';
import { EXIT } from './exit-codes';
import type { SignalAction, UpdateAction } from './actions';
import { addAuditCommand } from './audit-command';
import { addReleaseCommands } from './release-commands';
import { addFreezeCommands } from './freeze';
import { PolicyBlocked } from './policy-blocked';
import { requester, stampRelease } from './requester';

// Loaded when a command checks the policy, not for every CLI start.
const policyCheck = () => require('./policy-check') as typeof import('./policy-check');

/*
 * Each command loads the modules it needs when it runs, not before: `--help` loads none, `validate` only the
 * plan schemas, and only the commands that talk to Temporal load its client (and the worker its native runtime).
 */
const plans = () => require('../plan/load') as typeof import('../plan/load');
const releases = () => require('../plan/release-load') as typeof import('../plan/release-load');
const connection = () => require('../connection/temporal') as typeof import('../connection/temporal');
const client = () => require('./client') as typeof import('./client');
const actions = () => require('./actions') as typeof import('./actions');

const collect = (value: string, previous: string[]) => [...previous, value];
/** The columns of `glidepath list` that releases and deployments share: ID, release, phase. */
const listColumns = (workflowId: string, release: unknown, phase: unknown) =>
  `${workflowId.padEnd(32)} ${String(release ?? '').padEnd(16)} ${String(phase).padEnd(18)}`;

/** The plan with its requester: who runs the command (starters/requester.ts), never a name the file gives. */
function readPlan(file: string, overrides: string[], by?: string) {
  const plan = plans().loadPlan(file, overrides);
  plan.metadata.requestedBy = requester(file, plan.metadata.requestedBy, by);
  return plan;
}

/** What a valid plan will do where the plan leaves it implicit. */
function planNotes(plan: Plan): string[] {
  if (plan.strategy.type === 'canary' && !plan.strategy.steps.some((s) => s.setWeight !== undefined)) {
    return [
      plan.target.type === 'ecs' && plan.target.deployment === 'rolling'
        ? 'note: no step sets a weight: the rolling update moves all traffic as ECS replaces the tasks; the steps ' +
          'then run before the release is final'
        : 'note: no step sets a weight: the new version runs beside the current one with no traffic while the ' +
          'steps run, then takes all traffic at once when they pass',
    ];
  }
  return [];
}

export function buildCli(): Command {
  const program = new Command('glidepath')
    .description('Durable canary, blue-green and migration-then-deploy rollouts on Temporal')
    .showHelpAfterError()
    .exitOverride(); // commander's own usage errors are thrown to main(), which exits 2 on them (inherited by every command)

  program
    .command('validate')
    .argument('<plan>', 'plan file (YAML)')
    .option('--set <key=value>', 'override a field, e.g. release=v1.4.2', collect, [])
    .option('--by <name>', 'who would request it, as deploy and release take it (default: $GLIDEPATH_USER, the CI user, $USER)')
    .description('check a plan against the schema; starts nothing')
    .action((file: string, opts: { set: string[]; by?: string }) => {
      const { isReleaseDocument, loadRelease, readFile, readYaml } = releases();
      if (isReleaseDocument(readYaml(readFile(file), file))) {
        const { release, stages } = loadRelease(file, opts.set);
        stampRelease(file, release, stages, opts.by);
        const { describeStages } = require('../plan/release-expand') as typeof import('../plan/release-expand');
        console.log(`${file}: valid release of ${release.metadata.system} @ ${release.metadata.version}: ${describeStages(stages)}`);
        const { checkPolicy, releaseRuns } = policyCheck();
        for (const note of checkPolicy(releaseRuns(release.metadata.system, stages))) console.log(note);
        return;
      }
      const plan = readPlan(file, opts.set, opts.by);
      const { service, environment, release } = plan.metadata;
      console.log(`${file}: valid ${plan.strategy.type} plan for ${service} → ${environment} @ ${release}`);
      for (const note of planNotes(plan)) console.log(note);
      for (const note of policyCheck().checkPolicy([{ plan }])) console.log(note);
    });

  program
    .command('deploy')
    .argument('<plan>', 'plan file (YAML)')
    .option('--set <key=value>', 'override a field, e.g. release=v1.4.2', collect, [])
    .option('--follow', 'print progress and exit 0 promoted, 1 rolled back/failed')
    .option('--by <name>', 'who requests it (default: $GLIDEPATH_USER, the CI user, $USER); the plan cannot name another')
    .description('start a plan (exit 2 invalid plan, 3 another release holds the target, 4 blocked by policy)')
    .action(async (file: string, opts: { set: string[]; follow?: boolean; by?: string }) => {
      const plan = readPlan(file, opts.set, opts.by);
      const { startDeployment } = require('./deploy') as typeof import('./deploy');
      const { webUiLink } = connection();
      const temporal = await client().connectClient();
      const { checkPolicy, emergencyFreezes } = policyCheck();
      for (const note of checkPolicy([{ plan }], await emergencyFreezes(temporal))) console.log(note);
      const started = await startDeployment(temporal, plan);
      if (started.kind === 'conflict') {
        const target = `${plan.metadata.service}/${plan.metadata.environment}`;
        // A release's target: the release is what to wait for or abort (aborting the target alone fails its stage).
        const holder = started.heldByRelease ? `release:${started.heldByRelease.split('@')[0]}` : started.workflowId;
        const state = started.heldByRelease
          ? `held by release ${started.heldByRelease} (${holder}; its target ${started.workflowId} is ${started.phase})`
          : `already deploying release ${started.runningRelease} (phase ${started.phase})`;
        console.error(`${target} is ${state}.\nWait for it, or abort it: glidepath abort ${holder} --reason "..."\n${webUiLink(holder)}`);
        process.exitCode = EXIT.conflict;
        return;
      }
      const { handle } = started;
      console.log(`${started.kind === 'attached' ? 'attached to running' : 'started'} ${handle.workflowId}`);
      console.log(webUiLink(handle.workflowId));
      const { follow } = require('./follow') as typeof import('./follow');
      if (opts.follow) process.exitCode = await follow(handle, handle.workflowId);
    });

  program
    .command('status')
    .argument('<deployment>', 'workflow ID, service/environment, or release:<system>')
    .option('--full', 'every action and measurement')
    .option('--json', 'machine-readable')
    .action(async (ref: string, opts: { full?: boolean; json?: boolean }) => {
      const { connectClient, resolveDeploymentId } = client();
      const { webUiLink } = connection();
      const id = resolveDeploymentId(ref);
      if (id.startsWith('release:')) {
        const { formatReleaseStatus } = require('./release-cli') as typeof import('./release-cli');
        const release = await formatReleaseStatus(await connectClient(), id);
        console.log(opts.json ? JSON.stringify(release.status, null, 2) : `${release.text}\n${webUiLink(id)}`);
        return;
      }
      const { formatStatus, getStatus } = actions();
      const status = await getStatus(await connectClient(), id);
      console.log(opts.json ? JSON.stringify(status, null, 2) : `${formatStatus(status, opts.full, id)}\n${webUiLink(id)}`);
    });

  program
    .command('list')
    .option('--all', 'include finished runs')
    .description('releases and deployments, newest first')
    .action(async (opts: { all?: boolean }) => {
      const temporal = await client().connectClient();
      const releases = `WorkflowType = "releaseWorkflow"${opts.all ? '' : ' AND ExecutionStatus = "Running"'}`;
      for await (const run of temporal.workflow.list({ query: releases, pageSize: 50 })) {
        const get = (name: string) => run.typedSearchAttributes.getAll().find((p) => p.key.name === name)?.value;
        console.log(`${listColumns(run.workflowId, get('DeployRelease'), get('DeployPhase') ?? run.status.name)} release`);
      }
      const query = `WorkflowType = "deploymentWorkflow"${opts.all ? '' : ' AND ExecutionStatus = "Running"'}`;
      for await (const run of temporal.workflow.list({ query, pageSize: 50 })) {
        const sa = run.typedSearchAttributes;
        const get = (name: string) => sa.getAll().find((p) => p.key.name === name)?.value;
        console.log(
          `${listColumns(run.workflowId, get('DeployRelease'), get('DeployPhase') ?? run.status.name)} ${get('DeployWeight') ?? 0}%`,
        );
      }
    });

  const messages: Array<[SignalAction | UpdateAction, string]> = [
    ['approve', 'approve the gate the plan waits at'],
    ['reject', 'reject the gate the plan waits at; the plan rolls back'],
    ['abort', 'roll back now: all traffic to the stable version, new version removed'],
    ['pause', 'hold the rollout where it is (a release: nothing new starts, moving targets pause)'],
    ['resume', 'continue a paused rollout (a release: and the targets its pause paused)'],
    ['promote', 'continue past a pause (or --full: skip every remaining step); a release: skip the soak of its gate'],
  ];
  for (const [action, description] of messages) {
    const cmd = program
      .command(action)
      .argument('<deployment>', 'workflow ID, service/environment, or release:<system>')
      .option('--by <name>', 'who acts (default: $GLIDEPATH_USER, $GITHUB_ACTOR, $USER)')
      .option('--reason <text>', 'why', '')
      .description(description);
    if (action === 'approve' || action === 'reject')
      cmd
        .option('--gate <name>', 'the approval gate being answered')
        .option(
          '--sign-key <file>',
          'sign the answer with this ed25519 key through ssh-keygen -Y sign (ssh-agent, or its passphrase), e.g. ' +
            '~/.ssh/id_ed25519 (default: $GLIDEPATH_SIGNING_KEY)',
        );
    if (action === 'promote') cmd.option('--full', 'skip all remaining steps and go to 100%');
    cmd.action(async (ref: string, opts: { by?: string; reason: string; gate?: string; full?: boolean; signKey?: string }) => {
      const { connectClient, defaultActor, resolveDeploymentId } = client();
      const { sendSignal, sendUpdate } = actions();
      const id = resolveDeploymentId(ref);
      // Read before connecting: a key that cannot sign stops the command with nothing sent.
      const signingKey =
        action === 'approve' || action === 'reject'
          ? (require('./sign-approval') as typeof import('./sign-approval')).loadSigningKey(opts.signKey)
          : undefined;
      const input = { by: opts.by ?? defaultActor(), reason: opts.reason, gate: opts.gate, full: opts.full, signingKey };
      // The workflow refuses or blanks unreadable names and reasons; say so here, with nothing sent.
      const { checkAction } = require('../workflows/message-input') as typeof import('../workflows/message-input');
      const checked = checkAction({ by: input.by, reason: input.reason });
      if (!checked.success) throw new UsageError(checked.error.issues.map((i) => `--${i.path[0]}: ${i.message}`).join('\n'));
      const releases = require('./release-actions') as typeof import('./release-actions');
      if (releases.isReleaseId(id) && (action === 'pause' || action === 'resume' || action === 'promote')) {
        if (action === 'promote') releases.checkReleasePromote(id, opts.full);
        const temporal = await connectClient(`glidepath-cli:${input.by}`);
        console.log(await releases.sendReleaseAction(temporal, id, action, input));
        return;
      }
      const temporal = await connectClient(`glidepath-cli:${input.by}`);
      const message =
        action === 'abort' || action === 'pause' || action === 'resume'
          ? await sendSignal(temporal, id, action, input)
          : await sendUpdate(temporal, id, action, input);
      console.log(message);
    });
  }

  addReleaseCommands(program);
  addFreezeCommands(program);
  addAuditCommand(program);

  program
    .command('worker')
    .description('run a worker (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* from the environment)')
    .action(async () => {
      // Loaded on demand: only this command needs the worker's native runtime.
      const { runWorker } = require('../workers/worker') as typeof import('../workers/worker');
      await runWorker();
    });

  program
    .command('codec-server')
    .description(
      'serve /encode and /decode for the Web UI and the Temporal CLI (keys: GLIDEPATH_ENCRYPTION_KEYS or ' +
        'GLIDEPATH_ENCRYPTION_KEY_FILE; access token: GLIDEPATH_CODEC_TOKEN)',
    )
    .option('--port <port>', 'port to listen on', '8081')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--allowed-origin <origin>',
      'the Web UI origin that may call it, repeatable (default: the origin of $TEMPORAL_UI_URL, else http://localhost:8233)',
      collect,
      [],
    )
    .action(async (opts: { port: string; host: string; allowedOrigin: string[] }) => {
      const { runCodecServer } = require('./codec-server') as typeof import('./codec-server');
      await runCodecServer(opts);
    });

  program
    .command('schema')
    .description('print the plan JSON Schema (for editor completion and validation)')
    .addOption(new Option('--out <file>', 'write to a file instead'))
    .option('--release', "the release file's schema instead of the plan's")
    .action(async (opts: { out?: string; release?: boolean }) => {
      const { planJsonSchema, releaseJsonSchema } = require('../plan/json-schema') as typeof import('../plan/json-schema');
      const text = opts.release ? releaseJsonSchema() : planJsonSchema();
      if (opts.out) (require('node:fs') as typeof import('node:fs')).writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander printed it, with the command's help: a missing or unknown option or argument is bad input.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.invalidPlan;
    } else if (err instanceof UsageError || err instanceof KeyConfigurationError) {
      console.error(err.message);
      console.error('Nothing was sent.');
      process.exitCode = EXIT.invalidPlan;
    } else if (err instanceof PlanError) {
      console.error(err.message);
      console.error('Nothing was started.');
      process.exitCode = EXIT.invalidPlan;
    } else if (err instanceof PolicyBlocked) {
      console.error(err.message);
      console.error('Nothing was started.');
      process.exitCode = EXIT.blockedByPolicy;
    } else if (err instanceof ActionRefused) {
      console.error(err.message);
      process.exitCode = EXIT.failed;
    } else {
      console.error(`glidepath: ${(err as Error).message}`);
      process.exitCode = EXIT.failed;
    }
  }
}

if (require.main === module) void main();
