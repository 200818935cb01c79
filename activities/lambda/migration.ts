/**
 * Lambda migrations: the migration function invoked at most once per idempotency key. Success is recorded as a
 * tag on the function, so a retry after a crash finds it and does not apply the migration again. The function
 * also receives the key, so one interrupted between its own commit and our tag can recognise a repeat.
 */
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type LambdaClient,
  ListTagsCommand,
  TagResourceCommand,
} from '@aws-sdk/client-lambda';
import { ApplicationFailure } from '@temporalio/common';
import type { Metadata } from '../../plan/schema';
import type { LambdaMigration } from '../../plan/targets';
import { sha256Hex } from '../../plan/sha256-hex';
import { migrationDoneTag } from '../release-marks';
import type { MigrationResult } from '../types';

export async function runLambdaMigration(
  client: LambdaClient,
  task: LambdaMigration,
  key: string,
  metadata: Metadata,
): Promise<MigrationResult> {
  const fn = await client.send(new GetFunctionConfigurationCommand({ FunctionName: task.functionName }));
  const arn = fn.FunctionArn!;
  const tagKey = migrationDoneTag(metadata);
  const marker = sha256Hex(key, 32);
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
