/** Keys and a workflow bundle for tests of encrypted histories. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FAILURE_CONVERTER_PATH } from '../../encryption/data-converter';
import { type Keyring, parseKeys } from '../../encryption/keys';
import { bundleWorkflows } from '../../workers/workflow-bundle';

/** Fresh random keys, as `id=<base64>` entries (newest first), the format GLIDEPATH_ENCRYPTION_KEYS takes. */
export function newKeys(...ids: string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [id, `${id}=${randomBytes(32).toString('base64')}`]));
}

export const keyringOf = (...entries: string[]): Keyring => parseKeys(entries, 'GLIDEPATH_ENCRYPTION_KEYS');

/** The workflow bundle as `glidepath worker` builds it when keys are configured: with the encrypting failure converter. */
export async function encryptingWorkflowBundle(): Promise<string> {
  const code = await bundleWorkflows({ failureConverterPath: FAILURE_CONVERTER_PATH });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-encrypted-bundle-')), 'workflows.js');
  writeFileSync(file, code);
  return file;
}
