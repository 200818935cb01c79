/** A Temporal client for the CLI and CI, and how a deployment is named. */
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type { Metadata } from '../plan/schema';
import { glidepathDataConverter } from '../encryption/data-converter';
import { temporalConfig } from '../connection/temporal';
import { actor } from './requester';

export async function connectClient(identity = `glidepath-cli@${os.hostname()}`): Promise<Client> {
  const { connectionOptions, namespace } = temporalConfig();
  const dataConverter = glidepathDataConverter(); // first: a malformed key setting stops the command before it connects
  const connection = await Connection.connect(connectionOptions as Parameters<typeof Connection.connect>[0]);
  return new Client({ connection, namespace, identity, dataConverter });
}

/** One running deployment per service and environment: the workflow ID is the lock. */
export function deploymentId(metadata: Pick<Metadata, 'service' | 'environment'>): string {
  return `deploy:${metadata.service}/${metadata.environment}`;
}

/** Accepts a workflow ID or the short `service/environment`. */
export function resolveDeploymentId(ref: string): string {
  if (ref.startsWith('deploy:')) return ref;
  const match = /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(ref);
  return match ? deploymentId({ service: match[1], environment: match[2] }) : ref;
}

/** Who is acting when --by is not given: $GLIDEPATH_USER, else the CI or shell user (requester.ts). */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  return actor(undefined, env)?.name ?? os.userInfo().username; // throws, naming the cause, when nothing names anyone
}
