import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { abortSignal } from '../../workflows/messages';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { type Harness, inPhase, rolledBack, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

it('a run is easy to find, read and signal in the Web UI', async () => {
  const name = uniqueName('ui');
  await createLambdaService(endpoint, name);
  await harness.run(async () => {
    const started = await startDeployment(
      harness.client,
      lambdaPlan(name, canary({ setWeight: 10 }, { pause: { duration: '50ms' } }, { approval: { name: 'go', approvers: ['alice'] } })),
      harness.taskQueue,
    );
    if (started.kind === 'conflict') throw new Error('conflict');
    const handle = started.handle;
    await waitForStatus(handle, inPhase('AwaitingApproval'));

    // The UI lists handlers from the metadata query, with their descriptions.
    const metadata = await handle.query<temporal.api.sdk.v1.IWorkflowMetadata>('__temporal_workflow_metadata');
    const names = (defs?: temporal.api.sdk.v1.IWorkflowInteractionDefinition[] | null) => (defs ?? []).map((d) => d.name).sort();
    // measurements and freezes come from Glidepath's own workflows (analyses, the freeze owner), not from people.
    expect(names(metadata.definition?.signalDefinitions)).toEqual(['abort', 'freezes', 'measurements', 'pause', 'resume']);
    expect(names(metadata.definition?.updateDefinitions)).toEqual(['approve', 'promote', 'reject']);
    const forPeople = metadata.definition!.signalDefinitions!.filter((d) => d.name !== 'measurements' && d.name !== 'freezes');
    for (const def of metadata.definition!.signalDefinitions!.filter((d) => !forPeople.includes(d))) {
      expect(def.description).toMatch(/sent by Glidepath/);
    }
    for (const def of [...forPeople, ...metadata.definition!.updateDefinitions!]) {
      expect(def.description).toMatch(/Input: \{"by": /);
    }
    expect(metadata.currentDetails).toContain('**Waiting for:** approval `go` by one of alice');
    expect(metadata.currentDetails).toContain('**Traffic on new version:** 10%');

    // Summary and plan details on the run; filterable by service and phase.
    const described = await handle.describe();
    expect(await described.staticSummary()).toBe(`canary ${name} → test @ v2 (lambda ${name}:live)`);
    expect(await described.staticDetails()).toContain('3. approval "go" by alice');
    const found = [];
    for await (const run of harness.client.workflow.list({ query: `DeployService = "${name}" AND DeployPhase = "AwaitingApproval"` }))
      found.push(run.workflowId);
    expect(found).toEqual([`deploy:${name}/test`]);

    await handle.signal(abortSignal, { by: 'oncall', reason: 'ui test done' });
    await rolledBack(handle);

    // Activities and timers carry summaries.
    const summaries = (await handle.fetchHistory())
      .events!.map((e) => e.userMetadata?.summary?.data)
      .filter((d): d is Uint8Array => !!d)
      .map((d) => JSON.parse(Buffer.from(d).toString()));
    expect(summaries).toEqual(
      expect.arrayContaining([
        'deploy v2',
        'traffic → 10%',
        'soak 50ms',
        'approval go',
        'roll back: traffic to stable, remove new version',
      ]),
    );
  });
});
