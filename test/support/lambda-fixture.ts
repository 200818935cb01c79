/** A Lambda function with a live alias on moto, as a team would have before its first Glidepath release. */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { lambdaPlatform } from '../../activities/lambda/lambda-platform';
import type { Platform } from '../../activities/types';
import { awsConfig } from './moto';

export const BUCKET = 'glidepath-artifacts';

/** Creates `name` at version 1 behind alias `live`, and uploads zips for releases v2, v3 and v4. */
/** The Lambda platform the worker builds, over a client of the AWS API at `endpoint` (moto). */
export function lambdaPlatformAt(endpoint: string): Platform {
  return lambdaPlatform(() => new LambdaClient(awsConfig(endpoint)));
}

export async function createLambdaService(endpoint: string, name: string): Promise<LambdaClient> {
  const config = awsConfig(endpoint);
  const iam = new IAMClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const lambda = new LambdaClient(config);
  const role = await iam.send(new CreateRoleCommand({ RoleName: `${name}-role`, AssumeRolePolicyDocument: '{}' })).catch(async (err) => {
    if (err.name !== 'EntityAlreadyExists') throw err;
    return { Role: { Arn: `arn:aws:iam::123456789012:role/${name}-role` } };
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((err) => {
    if (!/BucketAlready/.test(err.name)) throw err;
  });
  for (const release of ['v1', 'v2', 'v3', 'v4']) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${name}/${release}.zip`, Body: fakeZip(`${name} ${release}`) }));
  }
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: role.Role!.Arn!,
      Handler: 'index.handler',
      Code: { S3Bucket: BUCKET, S3Key: `${name}/v1.zip` },
    }),
  );
  const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'v1' }));
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: v1.Version! }));
  return lambda;
}

/** Bytes that differ per release, so each release publishes its own version. */
function fakeZip(content: string): Buffer {
  return Buffer.from(`PK\u0003\u0004${content}`);
}

/** The alias and the published versions: what a user of the function sees. */
export async function lambdaState(lambda: LambdaClient, name: string) {
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return {
    alias: { version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} },
    versions: (versions.Versions ?? []).map((v) => v.Version).filter((v) => v !== '$LATEST'),
  };
}
