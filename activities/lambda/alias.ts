/** The function's aliases: the production alias traffic goes through, and the preview alias of blue-green. */
import {
  type AliasConfiguration,
  DeleteAliasCommand,
  GetAliasCommand,
  type LambdaClient,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { ApplicationFailure } from '@temporalio/common';
import type { LambdaTarget } from '../../plan/targets';

export const previewAliasName = (target: LambdaTarget) => target.previewAlias ?? `${target.alias}-preview`;

/** The production alias; a missing one is a plan error (it must exist, pointing at the live version). */
export async function getAlias(client: LambdaClient, target: LambdaTarget): Promise<AliasConfiguration> {
  try {
    return await client.send(new GetAliasCommand({ FunctionName: target.functionName, Name: target.alias }));
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') {
      throw ApplicationFailure.nonRetryable(
        `alias "${target.alias}" of function "${target.functionName}" does not exist; create it pointing at the version now live`,
        'NotFound',
      );
    }
    throw err;
  }
}

/** Points the production alias at `version`, with `weights` (fractions) to other versions. */
export async function pointAlias(client: LambdaClient, target: LambdaTarget, version: string, weights: Record<string, number> = {}) {
  await client.send(
    new UpdateAliasCommand({
      FunctionName: target.functionName,
      Name: target.alias,
      FunctionVersion: version,
      RoutingConfig: { AdditionalVersionWeights: weights },
    }),
  );
}

export async function deletePreviewAlias(client: LambdaClient, target: LambdaTarget) {
  try {
    await client.send(new DeleteAliasCommand({ FunctionName: target.functionName, Name: previewAliasName(target) }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
}
