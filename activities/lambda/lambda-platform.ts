/**
 * AWS Lambda: a release is a published function version; traffic moves by the alias's weighted routing
 * (AdditionalVersionWeights); promotion points the alias at the new version; rollback restores it.
 */
import { createHash } from 'node:crypto';
import {
  type AliasConfiguration,
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { ApplicationFailure } from '@temporalio/common';
import type { Metadata } from '../../plan/schema';
import type { LambdaMigration, LambdaTarget, Target } from '../../plan/targets';
import { perRegion } from '../aws-clients';
import { pollUntil } from '../poll';
import type { Candidate, CandidateInput, MigrationInput, Platform, RollbackInput } from '../types';

export type LambdaClients = (region?: string) => LambdaClient;

/** The version description that marks which release a published version carries. */
export const releaseTag = (m: Metadata) => `glidepath ${m.service}/${m.environment} release ${m.release}`;

function lambdaTarget(target: Target): LambdaTarget {
  if (target.type !== 'lambda') throw ApplicationFailure.nonRetryable(`not a lambda target: ${target.type}`, 'InvalidPlan');
  return target;
}

const previewAliasName = (t: LambdaTarget) => t.previewAlias ?? `${t.alias}-preview`;

export function lambdaPlatform(clients: LambdaClients, options: { readyTimeoutMs?: number } = {}): Platform {
  const readyTimeoutMs = options.readyTimeoutMs ?? 5 * 60_000;

  async function findVersion(client: LambdaClient, functionName: string, description: string): Promise<string | undefined> {
    let marker: string | undefined;
    do {
      const page = await client.send(new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker }));
      const found = page.Versions?.find((v) => v.Version !== '$LATEST' && v.Description === description);
      if (found) return found.Version;
      marker = page.NextMarker;
    } while (marker);
    return undefined;
  }

  async function pointAlias(client: LambdaClient, t: LambdaTarget, version: string, weights: Record<string, number> = {}) {
    await client.send(
      new UpdateAliasCommand({
        FunctionName: t.functionName,
        Name: t.alias,
        FunctionVersion: version,
        RoutingConfig: { AdditionalVersionWeights: weights },
      }),
    );
  }

  async function getAlias(client: LambdaClient, t: LambdaTarget): Promise<AliasConfiguration> {
    try {
      return await client.send(new GetAliasCommand({ FunctionName: t.functionName, Name: t.alias }));
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') {
        throw ApplicationFailure.nonRetryable(
          `alias "${t.alias}" of function "${t.functionName}" does not exist; create it pointing at the version now live`,
          'NotFound',
        );
      }
      throw err;
    }
  }

  async function deletePreviewAlias(client: LambdaClient, t: LambdaTarget) {
    try {
      await client.send(new DeleteAliasCommand({ FunctionName: t.functionName, Name: previewAliasName(t) }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    }
  }

  /** Deletes a version this release published, unless an alias still routes to it. */
  async function removeVersion(client: LambdaClient, functionName: string, version: string) {
    const aliases = await client.send(new ListAliasesCommand({ FunctionName: functionName }));
    const inUse = aliases.Aliases?.some(
      (a) => a.FunctionVersion === version || Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {}).includes(version),
    );
    if (inUse) return;
    try {
      await client.send(new DeleteFunctionCommand({ FunctionName: functionName, Qualifier: version }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    }
  }

  return {
    async deploy({ target, metadata }) {
      const t = lambdaTarget(target);
      const client = clients(t.region);
      const alias = await getAlias(client, t);
      const stableVersion = alias.FunctionVersion!;
      const description = releaseTag(metadata);
      let candidateVersion = await findVersion(client, t.functionName, description);
      // Another rollout is half-way on this alias (another plan, or a terminated run): never take it over.
      const split = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).filter(([v]) => v !== candidateVersion);
      if (split.length > 0) {
        const [[version, weight]] = split;
        throw ApplicationFailure.nonRetryable(
          `alias "${t.alias}" of "${t.functionName}" already sends ${Math.round(weight * 100)}% to version ${version}: another rollout is half-way; ` +
            'finish or roll it back first (point the alias at one version)',
          'Conflict',
        );
      }
      if (!candidateVersion) {
        const updated = await client.send(
          new UpdateFunctionCodeCommand({
            FunctionName: t.functionName,
            S3Bucket: t.code.s3Bucket,
            S3Key: t.code.s3Key,
            S3ObjectVersion: t.code.s3ObjectVersion,
            ImageUri: t.code.imageUri,
          }),
        );
        await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 300 }, { FunctionName: t.functionName });
        const published = await client.send(
          new PublishVersionCommand({ FunctionName: t.functionName, Description: description, CodeSha256: updated.CodeSha256 }),
        );
        candidateVersion = published.Version!;
      }
      return { stableVersion, candidateVersion, data: { functionName: t.functionName, alias: t.alias } } satisfies Candidate;
    },

    async waitReady({ target, candidate }) {
      const t = lambdaTarget(target);
      const client = clients(t.region);
      await pollUntil(
        async () => {
          const c = await client.send(
            new GetFunctionConfigurationCommand({ FunctionName: t.functionName, Qualifier: candidate.candidateVersion }),
          );
          if (c.State === 'Failed') {
            throw ApplicationFailure.nonRetryable(
              `version ${candidate.candidateVersion} failed: ${c.StateReason ?? 'unknown reason'}`,
              'NotReady',
            );
          }
          return c.State === 'Active' ? true : undefined;
        },
        { what: `${t.functionName}:${candidate.candidateVersion} active`, timeoutMs: readyTimeoutMs },
      );
    },

    async preview({ target, candidate }) {
      const t = lambdaTarget(target);
      const client = clients(t.region);
      const name = previewAliasName(t);
      try {
        await client.send(
          new UpdateAliasCommand({ FunctionName: t.functionName, Name: name, FunctionVersion: candidate.candidateVersion }),
        );
      } catch (err) {
        if ((err as Error).name !== 'ResourceNotFoundException') throw err;
        await client.send(
          new CreateAliasCommand({ FunctionName: t.functionName, Name: name, FunctionVersion: candidate.candidateVersion }),
        );
      }
    },

    async setTraffic({ target, candidate, weight }) {
      const t = lambdaTarget(target);
      if (candidate.candidateVersion === candidate.stableVersion) return;
      const client = clients(t.region);
      if (weight >= 100) await pointAlias(client, t, candidate.candidateVersion);
      else await pointAlias(client, t, candidate.stableVersion, weight > 0 ? { [candidate.candidateVersion]: weight / 100 } : {});
    },

    async promote({ target, candidate }) {
      const t = lambdaTarget(target);
      await pointAlias(clients(t.region), t, candidate.candidateVersion);
    },

    async rollback({ target, metadata, candidate }: RollbackInput) {
      const t = lambdaTarget(target);
      const client = clients(t.region);
      if (candidate) {
        if (candidate.candidateVersion === candidate.stableVersion) return;
        await pointAlias(client, t, candidate.stableVersion);
        await deletePreviewAlias(client, t);
        await removeVersion(client, t.functionName, candidate.candidateVersion);
        return;
      }
      // The deploy call never returned: traffic never moved; remove the version if it was published.
      const version = await findVersion(client, t.functionName, releaseTag(metadata));
      if (version) await removeVersion(client, t.functionName, version);
    },

    async retirePrevious({ target }: CandidateInput) {
      // Published versions are immutable history and cost nothing idle; only the preview alias goes away.
      const t = lambdaTarget(target);
      await deletePreviewAlias(clients(t.region), t);
    },

    async migrate({ task, idempotencyKey, metadata }: MigrationInput) {
      if (task.type !== 'lambda') throw ApplicationFailure.nonRetryable(`not a lambda migration: ${task.type}`, 'InvalidPlan');
      return runLambdaMigration(clients(task.region), task, idempotencyKey, metadata);
    },
  };
}

/**
 * Invokes the migration function at most once per idempotency key: success is recorded as a tag on the
 * function, so a retry after a crash finds it and does not apply the migration again. The function also
 * receives the key, so one interrupted between its own commit and our tag can recognise a repeat.
 */
async function runLambdaMigration(client: LambdaClient, task: LambdaMigration, key: string, m: Metadata) {
  const fn = await client.send(new GetFunctionConfigurationCommand({ FunctionName: task.functionName }));
  const arn = fn.FunctionArn!;
  const tagKey = `glidepath:migration:${m.service}.${m.environment}`;
  const marker = createHash('sha256').update(key).digest('hex').slice(0, 32);
  const tags = await client.send(new ListTagsCommand({ Resource: arn }));
  if (tags.Tags?.[tagKey] === marker) return { ran: false, output: 'already applied' };

  const response = await client.send(
    new InvokeCommand({
      FunctionName: task.functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify({ ...task.payload, idempotencyKey: key })),
    }),
  );
  const output = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  const body = safeJson(output);
  if (response.FunctionError || (body && typeof body === 'object' && 'errorMessage' in body)) {
    const message = (body as { errorMessage?: string } | undefined)?.errorMessage ?? output;
    throw ApplicationFailure.nonRetryable(`migration ${task.functionName} failed: ${message}`, 'MigrationFailed');
  }
  await client.send(new TagResourceCommand({ Resource: arn, Tags: { [tagKey]: marker } }));
  return { ran: true, output: output.slice(0, 2_000) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function defaultLambdaClients(): LambdaClients {
  return perRegion((config) => new LambdaClient(config));
}
