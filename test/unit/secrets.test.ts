/** Which values of a plan count as inline secrets: by what they look like, or by the key they sit under. */
import { describe, expect, it } from 'vitest';
import { inlineSecrets } from '../../plan/secrets';

describe('inline secrets', () => {
  it.each([
    ['text under a secret key', { apiKey: 'abc123' }, ['apiKey']],
    ['an unquoted number under a password key', { dbPassword: 83920174 }, ['dbPassword']],
    ['numbers in a list under a secret key', { otp_secret: [482913, 590112] }, ['otp_secret']],
    ['an AWS access key id anywhere', { note: 'AKIAIOSFODNN7EXAMPLE' }, ['note']],
    ['nested under a secret key', { env: { DB_PASSWORD: 'hunter2' } }, ['env.DB_PASSWORD']],
  ])('%s is one', (_, value, paths) => {
    expect(inlineSecrets(value).map((s) => s.path.join('.'))).toEqual(paths);
  });

  it.each([
    ['a number setting that mentions tokens', { maxTokens: 500 }],
    ['a length rule for passwords', { passwordMinLength: 12 }],
    ['a reference by name', { secretName: 'db-password' }],
    ['a reference by file', { DB_PASSWORD_FILE: '/run/secrets/db' }],
    ['an empty value', { password: '' }],
    ['a flag', { tokenRequired: true }],
  ])('%s is not', (_, value) => {
    expect(inlineSecrets(value)).toEqual([]);
  });
});
