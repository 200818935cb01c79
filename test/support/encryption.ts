/** Keys and a workflow bundle for tests of encrypted histories. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../encryption/data-converter';
import { type Keyring, parseKeys } from '../../encryption/keys';
import { WORKFLOWS_PATH } from '../../workers/worker';

/** Fresh random keys, as `id=<base64>` entries (newest first), the format GLIDEPATH_ENCRYPTION_KEYS takes. */
export function newKeys(...ids: string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [id, `${id}=${randomBytes(32).toString('base64')}`]));
}

export const keyringOf = (...entries: string[]): Keyring => parseKeys(entries, 'GLIDEPATH_ENCRYPTION_KEYS');

/** The workflow bundle as `glidepath worker` builds it when keys are configured: with the encrypting failure converter. */
export async function encryptingWorkflowBundle(): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: console.warn,
      error: console.error,
    },
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-encrypted-bundle-')), 'workflows.js');
  writeFileSync(file, bundle.code);
  return file;
}
