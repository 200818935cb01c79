/**
 * The Lambda workload: a release is a published function version beside the one the alias serves. Traffic
 * moves by the alias's weights (alias-router.ts); promotion points the alias at the new version. Published
 * versions are immutable history: rollback removes the new one, retiring the previous one removes nothing.
 */
import {
  CreateAliasCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { ApplicationFailure } from '@temporalio/common';
import type { LambdaTarget } from '../../plan/targets';
import { pollUntil } from '../poll';
import type { Candidate } from '../types';
import type { Workload } from '../workload';
import { deletePreviewAlias, getAlias, previewAliasName } from './alias';
import { aliasRouter } from './alias-router';
import { type LambdaData, decodeLambdaData } from './candidate';
import { findVersion, releaseTag, removeVersion } from './versions';

export function functionVersions(clients: (region?: string) => LambdaClient, readyTimeoutMs: number): Workload<LambdaTarget, LambdaData> {
  const clientOf = (t: LambdaTarget) => clients(t.region);
  return {
    decode: decodeLambdaData,
    router: (t, _data, candidate) => aliasRouter(clientOf(t), t, candidate),
    // Before `unchanged` was recorded, a release already live had the same stable and new version.
    recordedUnchanged: (c) => c.candidateVersion === c.stableVersion,

    async deploy(t, { metadata }) {
      const client = clientOf(t);
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
      const candidate: Candidate = { stableVersion, candidateVersion, data: { functionName: t.functionName, alias: t.alias } };
      return candidateVersion === stableVersion ? { ...candidate, unchanged: true } : candidate;
    },

    async waitReady({ target: t, candidate }) {
      const client = clientOf(t);
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

    async preview({ target: t, candidate }) {
      const client = clientOf(t);
      const alias = { FunctionName: t.functionName, Name: previewAliasName(t), FunctionVersion: candidate.candidateVersion };
      try {
        await client.send(new UpdateAliasCommand(alias));
      } catch (err) {
        if ((err as Error).name !== 'ResourceNotFoundException') throw err;
        await client.send(new CreateAliasCommand(alias));
      }
    },

    async rollBack({ target: t, candidate, router }) {
      const client = clientOf(t);
      await router.reset();
      await deletePreviewAlias(client, t);
      await removeVersion(client, t.functionName, candidate.candidateVersion);
    },

    async rollBackUnknown(t, metadata) {
      // Traffic never moved; remove the version if it was published.
      const client = clientOf(t);
      const version = await findVersion(client, t.functionName, releaseTag(metadata));
      if (version) await removeVersion(client, t.functionName, version);
    },

    // Published versions are immutable history and cost nothing idle; only the preview alias goes away.
    retirePrevious: ({ target: t }) => deletePreviewAlias(clientOf(t), t),
  };
}
