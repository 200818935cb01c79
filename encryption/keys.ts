/**
 * Encryption keys, addressed by key ID, from the environment or a key file:
 *
 *   GLIDEPATH_ENCRYPTION_KEYS="k2=<base64 32 bytes>,k1=<base64 32 bytes>"
 *   GLIDEPATH_ENCRYPTION_KEY_FILE=/run/secrets/glidepath-keys     one `id=<base64>` per line, # comments
 *
 * The first key is the newest: it encrypts every new payload. The others only decrypt payloads written
 * while they were the newest, so a key is rotated by putting the new one first and keeping the old ones
 * until no run that used them is still read. Create a key with `openssl rand -base64 32`.
 */
import { readFileSync } from 'node:fs';

export const KEYS_VARIABLE = 'GLIDEPATH_ENCRYPTION_KEYS';
export const KEY_FILE_VARIABLE = 'GLIDEPATH_ENCRYPTION_KEY_FILE';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface Keyring {
  /** The key new payloads are encrypted with; none means payloads are written as they are. */
  newest?: EncryptionKey;
  byId: ReadonlyMap<string, EncryptionKey>;
  /** Where the keys came from, for error messages: the variable or the file. */
  source: string;
}

export class KeyConfigurationError extends Error {}

/** Parses `id=<base64>` entries, newest first. */
export function parseKeys(entries: string[], source: string): Keyring {
  const keys: EncryptionKey[] = [];
  for (const entry of entries) {
    const separator = entry.indexOf('=');
    const id = separator > 0 ? entry.slice(0, separator).trim() : '';
    const encoded = entry.slice(separator + 1).trim();
    if (!KEY_ID.test(id)) {
      throw new KeyConfigurationError(
        `${source}: each key is written id=<base64 key>, with an ID of letters, digits, ".", "_" or "-" (got "${entry.slice(0, 20)}…")`,
      );
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32 || key.toString('base64') !== encoded) {
      throw new KeyConfigurationError(`${source}: key "${id}" must be 32 bytes in base64 (AES-256), e.g. from \`openssl rand -base64 32\``);
    }
    if (keys.some((k) => k.id === id)) throw new KeyConfigurationError(`${source}: key ID "${id}" appears twice`);
    keys.push({ id, key });
  }
  return { newest: keys[0], byId: new Map(keys.map((k) => [k.id, k])), source };
}

/** The keys the environment configures (either variable; not both), or an empty keyring. */
export function keyringFromEnvironment(env: NodeJS.ProcessEnv = process.env): Keyring {
  const inline = env[KEYS_VARIABLE]?.trim();
  const file = env[KEY_FILE_VARIABLE]?.trim();
  if (inline && file) throw new KeyConfigurationError(`set ${KEYS_VARIABLE} or ${KEY_FILE_VARIABLE}, not both`);
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new KeyConfigurationError(`${KEY_FILE_VARIABLE}: cannot read ${file}: ${(err as Error).message}`);
    }
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    return parseKeys(lines, file);
  }
  if (inline)
    return parseKeys(
      inline
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
      KEYS_VARIABLE,
    );
  return { byId: new Map(), source: `${KEYS_VARIABLE} or ${KEY_FILE_VARIABLE}` };
}
