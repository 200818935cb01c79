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

/**
 * A key setting that cannot be used: the message names the variable (or file), what is wrong and how to fix it,
 * and never echoes key material. The CLI exits 2 on it, the worker and the codec server before they start.
 */
export class KeyConfigurationError extends Error {}

const MAKE_KEY = 'make one with `openssl rand -base64 32`';

/** Parses `id=<base64>` entries, newest first; `field` names where they came from in error messages. */
export function parseKeys(entries: string[], source: string, field = source): Keyring {
  const keys: EncryptionKey[] = [];
  entries.forEach((entry, index) => {
    const separator = entry.indexOf('=');
    const id = separator > 0 ? entry.slice(0, separator).trim() : '';
    const encoded = entry.slice(separator + 1).trim();
    // An entry without "=" or without anything after it may be a bare key: never quote it.
    if (!KEY_ID.test(id) || !encoded) {
      throw new KeyConfigurationError(
        `${field}: key ${index + 1} (newest first) is not written id=<base64 key>; write each key as an ID of 1-64 letters, ` +
          `digits, ".", "_" or "-", then "=", then the key, e.g. k2=<key> (${MAKE_KEY})`,
      );
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32 || key.toString('base64') !== encoded) {
      throw new KeyConfigurationError(`${field}: key "${id}" is not 32 bytes in base64, as AES-256 needs; ${MAKE_KEY}`);
    }
    if (keys.some((k) => k.id === id)) {
      throw new KeyConfigurationError(`${field}: key ID "${id}" appears twice; give each key an ID of its own`);
    }
    keys.push({ id, key });
  });
  return { newest: keys[0], byId: new Map(keys.map((k) => [k.id, k])), source };
}

/** The keys the environment configures (either variable; not both), or an empty keyring when neither is set. */
export function keyringFromEnvironment(env: NodeJS.ProcessEnv = process.env): Keyring {
  const inline = env[KEYS_VARIABLE]?.trim();
  const file = env[KEY_FILE_VARIABLE]?.trim();
  if (inline && file) {
    throw new KeyConfigurationError(
      `${KEYS_VARIABLE} and ${KEY_FILE_VARIABLE} are both set; set only one of them (the keys, or the file that holds them)`,
    );
  }
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new KeyConfigurationError(
        `${KEY_FILE_VARIABLE}: cannot read ${file} (${(err as Error).message}); point it at a readable file of id=<base64 key> lines`,
      );
    }
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    return withSomeKey(parseKeys(lines, file, `${KEY_FILE_VARIABLE} (${file})`), `${KEY_FILE_VARIABLE} (${file})`);
  }
  if (inline) {
    const entries = inline
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    return withSomeKey(parseKeys(entries, KEYS_VARIABLE), KEYS_VARIABLE);
  }
  return { byId: new Map(), source: `${KEYS_VARIABLE} or ${KEY_FILE_VARIABLE}` };
}

/** A setting that is there but holds no key would quietly leave payloads unencrypted: refuse it instead. */
function withSomeKey(keyring: Keyring, field: string): Keyring {
  if (!keyring.newest) {
    throw new KeyConfigurationError(
      `${field}: holds no key, so nothing would be encrypted; add one as ` +
        `id=<base64 key> (${MAKE_KEY}), or unset it to run without encryption`,
    );
  }
  return keyring;
}
