/**
 * The payload codec: AES-256-GCM, with the key ID in each payload's metadata so keys can be rotated.
 * A payload is replaced by one whose data is iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes) of the original
 * payload (protobuf-encoded, metadata included); the key ID is also the cipher's additional data, so a
 * payload cannot be relabelled with another key's ID.
 *
 * Without keys, payloads are written unchanged, and unencrypted payloads always read as they are (runs
 * started before encryption was turned on stay readable). An encrypted payload whose key is not
 * configured fails with an error naming the key ID, never with garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { EncryptionKey, Keyring } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString() : undefined);

/** An encrypted payload that the configured keys cannot read; the message names the key ID. */
export class UndecryptablePayloadError extends Error {
  constructor(
    message: string,
    readonly keyId: string | undefined,
  ) {
    super(message);
    this.name = 'UndecryptablePayloadError';
  }
}

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keyring.newest;
    return key ? payloads.map((p) => encrypt(p, key)) : payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? this.decrypt(p) : p));
  }

  private decrypt(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId)
      throw new UndecryptablePayloadError(
        `an encrypted payload carries no ${KEY_ID_METADATA}: it was not written by Glidepath's codec`,
        undefined,
      );
    const key = this.keyring.byId.get(keyId);
    if (!key) {
      const configured = [...this.keyring.byId.keys()];
      throw new UndecryptablePayloadError(
        `payload encrypted with key "${keyId}", which is not configured ` +
          `(${configured.length ? `configured: ${configured.join(', ')}` : 'no keys configured'}); ` +
          `add key "${keyId}" to ${this.keyring.source} to read it`,
        keyId,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    try {
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('too short');
      const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch {
      throw new UndecryptablePayloadError(
        `payload encrypted with key "${keyId}" does not decrypt with the configured key "${keyId}" (from ${this.keyring.source}): ` +
          'the key differs from the one it was written with, or the payload was altered',
        keyId,
      );
    }
  }
}

function encrypt(payload: Payload, key: EncryptionKey): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(key.id));
  const plain = temporal.api.common.v1.Payload.encode(payload).finish();
  const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: {
      encoding: Buffer.from(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: Buffer.from(key.id),
      [CIPHER_METADATA]: Buffer.from(CIPHER),
    },
    data,
  };
}
