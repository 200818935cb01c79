/** Lambda-only releases for tests: a system with an API and a worker through staging → prod, on moto. */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { validateRelease } from '../../plan/release-load';
import type { Release } from '../../plan/release-schema';
import { releaseStatusQuery } from '../../workflows/release-messages';
import type { ReleaseStatus } from '../../workflows/release-status';
import { BUCKET, createLambdaService } from './lambda-fixture';
import { uniqueName } from './temporal';

export interface ReleaseFixture {
  system: string;
  lambda: LambdaClient;
  /** Function names by target: staging-api, staging-worker, eu, us, prod-worker. */
  fns: Record<'stagingApi' | 'stagingWorker' | 'eu' | 'us' | 'prodWorker', string>;
}

export async function createReleaseFixture(endpoint: string): Promise<ReleaseFixture> {
  const system = uniqueName('shop');
  const fns = {
    stagingApi: `${system}-api-stg`,
    stagingWorker: `${system}-wrk-stg`,
    eu: `${system}-api-eu`,
    us: `${system}-api-us`,
    prodWorker: `${system}-wrk-prod`,
  };
  let lambda: LambdaClient | undefined;
  for (const fn of Object.values(fns)) lambda = await createLambdaService(endpoint, fn);
  return { system, lambda: lambda!, fns };
}

const lambdaTarget = (fn: string) => ({
  type: 'lambda',
  functionName: fn,
  alias: 'live',
  code: { s3Bucket: BUCKET, s3Key: `${fn}/{{version}}.zip` },
});
const fnOverride = (fn: string) => ({ functionName: fn, code: { s3Bucket: BUCKET, s3Key: `${fn}/v2.zip` } });

/** staging [api, worker] → prod [eu] [us, worker]; the worker comes after the API. `edit` changes the document. */
export function lambdaRelease(f: ReleaseFixture, edit: (doc: any) => void = () => undefined): Release {
  const doc: any = {
    apiVersion: 'glidepath/v1',
    kind: 'Release',
    metadata: { system: f.system, version: 'v2', requestedBy: 'ci' },
    components: {
      api: { service: `${f.system}-api`, target: lambdaTarget(f.fns.stagingApi), strategy: { type: 'canary', steps: [{ setWeight: 50 }] } },
      worker: {
        service: `${f.system}-worker`,
        after: ['api'],
        target: lambdaTarget(f.fns.stagingWorker),
        strategy: { type: 'blueGreen', scaleDownDelay: '1s' },
      },
    },
    stages: [
      { name: 'staging', targets: [{ component: 'api' }, { component: 'worker' }] },
      {
        name: 'prod',
        targets: [
          { component: 'api', name: 'eu', environment: 'prod-eu', target: fnOverride(f.fns.eu) },
          { component: 'api', name: 'us', environment: 'prod-us', target: fnOverride(f.fns.us) },
          { component: 'worker', target: fnOverride(f.fns.prodWorker) },
        ],
        waves: [{ targets: ['eu'] }, { targets: ['us', 'worker'] }],
      },
    ],
  };
  edit(doc);
  return validateRelease(JSON.parse(JSON.stringify(doc).replaceAll('{{version}}', doc.metadata.version))).release;
}

export async function aliasOf(lambda: LambdaClient, fn: string) {
  const a = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: 'live' }));
  return { version: a.FunctionVersion, weights: a.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

/** Polls the release's status query until `predicate` holds (the worker drives the release meanwhile). */
export async function waitForRelease(
  handle: { query: (q: typeof releaseStatusQuery) => Promise<ReleaseStatus> },
  predicate: (s: ReleaseStatus) => boolean,
  timeoutMs = 60_000,
): Promise<ReleaseStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ReleaseStatus | undefined;
  for (;;) {
    last = await handle.query(releaseStatusQuery).catch(() => last);
    if (last && predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`release status never matched; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const targetState = (s: ReleaseStatus, workflowId: string) =>
  s.stages.flatMap((st) => st.targets).find((t) => t.workflowId === workflowId)?.state;

/** How a release that did not promote ended: its failure's type and message, and its status. */
export async function releaseFailure(handle: {
  result: () => Promise<unknown>;
}): Promise<{ type?: string; message: string; status: ReleaseStatus }> {
  const err = await handle.result().then(
    () => undefined,
    (e) => e,
  );
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure))
    throw new Error(`expected a failed release, got ${err}`);
  return { type: err.cause.type ?? undefined, message: err.cause.message, status: err.cause.details?.[0] as ReleaseStatus };
}
