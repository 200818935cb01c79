/**
 * The one data converter the worker, the CLI, the codec server's callers, the sandbox and the tests use.
 * With keys configured (see keys.ts), payloads and failure messages are encrypted; without, only the
 * codec's decode side is there, to name the missing key when it meets an encrypted payload.
 */
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './codec';
import { type Keyring, keyringFromEnvironment } from './keys';

export const FAILURE_CONVERTER_PATH = path.join(__dirname, 'failure-converter.js');

export function glidepathDataConverter(keyring: Keyring = keyringFromEnvironment()): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keyring)],
    ...(keyring.newest ? { failureConverterPath: FAILURE_CONVERTER_PATH } : {}),
  };
}

export function encryptionSummary(keyring: Keyring = keyringFromEnvironment()): string {
  if (!keyring.newest) return 'payloads not encrypted (no key configured)';
  const older = [...keyring.byId.keys()].filter((id) => id !== keyring.newest!.id);
  return `payloads encrypted with key ${keyring.newest.id}${older.length ? ` (also reads ${older.join(', ')})` : ''}`;
}
