/** Published function versions: found by the release they carry, removed when nothing routes to them. */
import { DeleteFunctionCommand, type LambdaClient, ListAliasesCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import type { Metadata } from '../../plan/schema';

/** The version description that marks which release a published version carries. */
export const releaseTag = (metadata: Metadata) => `glidepath ${metadata.service}/${metadata.environment} release ${metadata.release}`;

export async function findVersion(client: LambdaClient, functionName: string, description: string): Promise<string | undefined> {
  let marker: string | undefined;
  do {
    const page = await client.send(new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker }));
    const found = page.Versions?.find((v) => v.Version !== '$LATEST' && v.Description === description);
    if (found) return found.Version;
    marker = page.NextMarker;
  } while (marker);
  return undefined;
}

/** Deletes a version this release published, unless an alias still routes to it. */
export async function removeVersion(client: LambdaClient, functionName: string, version: string) {
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
