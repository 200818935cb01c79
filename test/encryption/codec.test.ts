/** The codec and its keys, without servers: rotation, the errors people see, and what search attributes hold. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec, KEY_ID_METADATA, UndecryptablePayloadError } from '../../encryption/codec';
import { KeyConfigurationError, keyringFromEnvironment } from '../../encryption/keys';
import { validatePlan } from '../../plan/load';
import { deploymentStartAttributes, searchableTarget } from '../../workflows/start-attributes';
import { keyringOf, newKeys } from '../support/encryption';

const keys = newKeys('k1', 'k2');
const value = { approver: 'alice', reason: 'dashboards green' };
const payload = () => defaultPayloadConverter.toPayload(value);

describe('keys', () => {
  it('from the environment, newest first', () => {
    const ring = keyringFromEnvironment({ GLIDEPATH_ENCRYPTION_KEYS: `${keys.k2}, ${keys.k1}` });
    expect(ring.newest?.id).toBe('k2');
    expect([...ring.byId.keys()]).toEqual(['k2', 'k1']);
  });

  it('from a key file, one per line, with comments', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-keys-')), 'keys');
    writeFileSync(file, `# rotated 2026-11\n${keys.k2}\n\n${keys.k1}\n`);
    const ring = keyringFromEnvironment({ GLIDEPATH_ENCRYPTION_KEY_FILE: file });
    expect([ring.newest?.id, ring.byId.size, ring.source]).toEqual(['k2', 2, file]);
  });

  it.each([
    ['a short key', { GLIDEPATH_ENCRYPTION_KEYS: 'k1=c2hvcnQ=' }, 'GLIDEPATH_ENCRYPTION_KEYS: key "k1" is not 32 bytes in base64'],
    ['a key ID twice', { GLIDEPATH_ENCRYPTION_KEYS: `${keys.k1},${keys.k1}` }, 'key ID "k1" appears twice; give each key an ID of its own'],
    ['a key without ID', { GLIDEPATH_ENCRYPTION_KEYS: keys.k1.slice(3) }, 'key 1 (newest first) is not written id=<base64 key>'],
    ['both variables', { GLIDEPATH_ENCRYPTION_KEYS: keys.k1, GLIDEPATH_ENCRYPTION_KEY_FILE: '/x' }, 'are both set; set only one of them'],
    ['a missing key file', { GLIDEPATH_ENCRYPTION_KEY_FILE: '/nonexistent/keys' }, 'cannot read /nonexistent/keys'],
    [
      'a setting without a key',
      { GLIDEPATH_ENCRYPTION_KEYS: ' , ' },
      'GLIDEPATH_ENCRYPTION_KEYS: holds no key, so nothing would be encrypted',
    ],
  ])('refuses %s, without quoting key material', (_, env, message) => {
    const error = (() => {
      try {
        keyringFromEnvironment(env);
      } catch (err) {
        return err as Error;
      }
    })();
    expect(error).toBeInstanceOf(KeyConfigurationError);
    expect(error?.message).toContain(message);
    for (const entry of Object.values(keys)) expect(error?.message).not.toContain(entry.slice(3, 20));
  });

  it('none configured: nothing is encrypted', async () => {
    const codec = new EncryptionCodec(keyringFromEnvironment({}));
    expect(await codec.encode([payload()])).toEqual([payload()]);
  });
});

describe('codec', () => {
  it('encrypts with the newest key and reads payloads of older keys and unencrypted ones', async () => {
    const [old] = await new EncryptionCodec(keyringOf(keys.k1)).encode([payload()]);
    const rotated = new EncryptionCodec(keyringOf(keys.k2, keys.k1));
    const [fresh] = await rotated.encode([payload()]);
    expect(Buffer.from(fresh.metadata![KEY_ID_METADATA]).toString()).toBe('k2');
    expect(Buffer.from(fresh.data!).toString()).not.toContain('alice');
    const decoded = await rotated.decode([old, fresh, payload()]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([value, value, value]);
  });

  it('a key that is not configured is named, with what is configured and where', async () => {
    const [old] = await new EncryptionCodec(keyringOf(keys.k1)).encode([payload()]);
    const error = await new EncryptionCodec(keyringOf(keys.k2)).decode([old]).catch((e) => e);
    expect(error).toBeInstanceOf(UndecryptablePayloadError);
    expect(error.message).toBe(
      'payload encrypted with key "k1", which is not configured (configured: k2); add key "k1" to GLIDEPATH_ENCRYPTION_KEYS to read it',
    );
    const none = await new EncryptionCodec(keyringFromEnvironment({})).decode([old]).catch((e) => e);
    expect(none.message).toContain('(no keys configured)');
  });

  it('another key under the same ID, or a payload relabelled with another key ID, fails instead of reading garbage', async () => {
    const [sealed] = await new EncryptionCodec(keyringOf(keys.k1)).encode([payload()]);
    const impostor = newKeys('k1').k1;
    await expect(new EncryptionCodec(keyringOf(impostor)).decode([sealed])).rejects.toThrow(
      'does not decrypt with the configured key "k1"',
    );
    // The key ID is the cipher's additional data: the same key bytes under another ID do not open it.
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(new EncryptionCodec(keyringOf(keys.k1.replace('k1=', 'k2='))).decode([relabelled])).rejects.toThrow(
      'payload encrypted with key "k2" does not decrypt',
    );
  });
});

it('search attributes keep no account ID: the target without ARN prefixes, for a plan and for a release target alike', () => {
  const plan = validatePlan({
    apiVersion: 'glidepath/v1',
    metadata: { service: 'web', environment: 'prod', release: 'v2' },
    target: {
      type: 'ecs',
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
      service: 'web',
      taskDefinition: { containerName: 'app', image: 'web:v2' },
      deployment: 'rolling',
    },
    strategy: { type: 'canary', steps: [{ setWeight: 100 }] },
  });
  expect(searchableTarget(plan.target)).toBe('ecs prod/web (rolling)');
  // What `deploy` and a release's children both start with (starters/deploy.ts, workflows/release-stage.ts).
  const attributes = deploymentStartAttributes(plan);
  expect(attributes.find((a) => a.key.name === 'DeployTarget')?.value).toBe('ecs prod/web (rolling)');
  expect(JSON.stringify(attributes)).not.toContain('123456789012');
});
