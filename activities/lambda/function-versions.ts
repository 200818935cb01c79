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
  const clientOf = (target: LambdaTarget) => clients(target.region);
  return {
    decode: decodeLambdaData,
    router: (target, _data, candidate) => aliasRouter(clientOf(target), target, candidate),
    // Before `unchanged` was recorded, a release already live had the same stable and new version.
    recordedUnchanged: (candidate) => candidate.candidateVersion === candidate.stableVersion,

    async deploy(target, { metadata }) {
      const client = clientOf(target);
      const alias = await getAlias(client, target);
      const stableVersion = alias.FunctionVersion!;
      const description = releaseTag(metadata);
      let candidateVersion = await findVersion(client, target.functionName, description);
      // Another rollout is half-way on this alias (another plan, or a terminated run): never take it over.
      const split = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).filter(([v]) => v !== candidateVersion);
      if (split.length > 0) {
        const [[version, weight]] = split;
        throw ApplicationFailure.nonRetryable(
          `alias "${target.alias}" of "${target.functionName}" already sends ${Math.round(weight * 100)}% to ` +
            `version ${version}: another rollout is half-way; ` +
            'finish or roll it back first (point the alias at one version)',
          'Conflict',
        );
      }
      if (!candidateVersion) {
        const updated = await client.send(
          new UpdateFunctionCodeCommand({
            FunctionName: target.functionName,
            S3Bucket: target.code.s3Bucket,
            S3Key: target.code.s3Key,
            S3ObjectVersion: target.code.s3ObjectVersion,
            ImageUri: target.code.imageUri,
          }),
        );
        await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 300 }, { FunctionName: target.functionName });
        const published = await client.send(
          new PublishVersionCommand({ FunctionName: target.functionName, Description: description, CodeSha256: updated.CodeSha256 }),
        );
        candidateVersion = published.Version!;
      }
      const candidate: Candidate = { stableVersion, candidateVersion, data: { functionName: target.functionName, alias: target.alias } };
      return candidateVersion === stableVersion ? { ...candidate, unchanged: true } : candidate;
    },

    async waitReady({ target, candidate }) {
      const client = clientOf(target);
      await pollUntil(
        async () => {
          const configuration = await client.send(
            new GetFunctionConfigurationCommand({ FunctionName: target.functionName, Qualifier: candidate.candidateVersion }),
          );
          if (configuration.State === 'Failed') {
            throw ApplicationFailure.nonRetryable(
              `version ${candidate.candidateVersion} failed: ${configuration.StateReason ?? 'unknown reason'}`,
              'NotReady',
            );
          }
          return configuration.State === 'Active' ? true : undefined;
        },
        { what: `${target.functionName}:${candidate.candidateVersion} active`, timeoutMs: readyTimeoutMs },
      );
    },

    async preview({ target, candidate }) {
      const client = clientOf(target);
      const alias = { FunctionName: target.functionName, Name: previewAliasName(target), FunctionVersion: candidate.candidateVersion };
      try {
        await client.send(new UpdateAliasCommand(alias));
      } catch (err) {
        if ((err as Error).name !== 'ResourceNotFoundException') throw err;
        await client.send(new CreateAliasCommand(alias));
      }
    },

    async rollBack({ target, candidate, router }) {
      const client = clientOf(target);
      await router.reset();
      await deletePreviewAlias(client, target);
      await removeVersion(client, target.functionName, candidate.candidateVersion);
    },

    async rollBackUnknown(target, metadata) {
      // Traffic never moved; remove the version if it was published.
      const client = clientOf(target);
      const version = await findVersion(client, target.functionName, releaseTag(metadata));
      if (version) await removeVersion(client, target.functionName, version);
    },

    // Published versions are immutable history and cost nothing idle; only the preview alias goes away.
    retirePrevious: ({ target }) => deletePreviewAlias(clientOf(target), target),
  };
}
