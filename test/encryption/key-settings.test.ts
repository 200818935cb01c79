/**
 * Bad key and codec-server settings, as an operator meets them: the real `glidepath` binary exits 2 with the setting,
 * what is wrong and the fix, before it connects to anything or listens. Temporal's address here is a port nobody
 * listens on, so a command that got as far as connecting would wait or fail differently.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { runCli } from '../support/cli';
import { newKeys } from '../support/encryption';
import { freePort } from '../support/moto';

const keys = newKeys('k1');
let env: Record<string, string>;

beforeAll(async () => {
  env = { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, GLIDEPATH_USER: 'ci-bot' };
});

describe('a malformed key setting exits 2 on any command that reads keys', () => {
  it.each([
    ['status', ['status', 'payments/prod']],
    ['approve', ['approve', 'payments/prod', '--reason', 'ok']],
    ['audit', ['audit', 'payments/prod']],
    ['codec-server', ['codec-server']],
  ])('%s', async (_, args) => {
    const run = await runCli(args, { ...env, GLIDEPATH_ENCRYPTION_KEYS: 'k1=c2hvcnQ=', GLIDEPATH_CODEC_TOKEN: 't' });
    expect(run.code).toBe(EXIT.invalidPlan);
    expect(run.stderr).toContain(
      'GLIDEPATH_ENCRYPTION_KEYS: key "k1" is not 32 bytes in base64, as AES-256 needs; make one with `openssl rand -base64 32`',
    );
  });

  it('a key file that holds no key: refused, rather than writing payloads unencrypted', async () => {
    const run = await runCli(['status', 'payments/prod'], { ...env, GLIDEPATH_ENCRYPTION_KEY_FILE: '/dev/null' });
    expect(run.code).toBe(EXIT.invalidPlan);
    expect(run.stderr).toContain('GLIDEPATH_ENCRYPTION_KEY_FILE (/dev/null): holds no key, so nothing would be encrypted; add one');
  });

  it('worker: stops at once with the reason, instead of waiting for Temporal first', async () => {
    const run = await runCli(['worker'], { ...env, GLIDEPATH_ENCRYPTION_KEYS: `${keys.k1},${keys.k1}` });
    expect(run.code).toBe(EXIT.invalidPlan);
    expect(run.stderr).toContain('GLIDEPATH_ENCRYPTION_KEYS: key ID "k1" appears twice; give each key an ID of its own');
    expect(run.stderr).not.toContain('waiting for Temporal');
  });
});

describe('codec-server input', () => {
  const withKeys = () => ({ ...env, GLIDEPATH_ENCRYPTION_KEYS: keys.k1, GLIDEPATH_CODEC_TOKEN: 'codec-token' });

  it.each([
    [
      'no keys',
      [],
      { GLIDEPATH_ENCRYPTION_KEYS: '' },
      'GLIDEPATH_ENCRYPTION_KEYS: not set, and the codec server has no keys to decrypt with; set it (or ' +
        "GLIDEPATH_ENCRYPTION_KEY_FILE) to the worker's keys",
    ],
    [
      'no token',
      [],
      { GLIDEPATH_CODEC_TOKEN: '' },
      'GLIDEPATH_CODEC_TOKEN: not set, and the codec server refuses to decrypt for anyone without a token; set it',
    ],
    ['a port that is not a number', ['--port', 'abc'], {}, '--port "abc": not a TCP port; give a number from 1 to 65535'],
    ['a port out of range', ['--port', '70000'], {}, '--port "70000": not a TCP port; give a number from 1 to 65535'],
    [
      'an origin without a scheme',
      ['--allowed-origin', 'localhost:8080'],
      {},
      '--allowed-origin "localhost:8080": not an http:// or https:// origin; give the Web UI address as the ' +
        'browser sees it, e.g. --allowed-origin http://localhost:8080',
    ],
    [
      'an origin with a path',
      ['--allowed-origin', 'http://localhost:8080/namespaces'],
      {},
      '--allowed-origin "http://localhost:8080/namespaces": an origin is a scheme, host and port only; use ' +
        '--allowed-origin http://localhost:8080',
    ],
    [
      'a TEMPORAL_UI_URL that is no URL, as the default origin',
      [],
      { TEMPORAL_UI_URL: 'localhost:8080' },
      'TEMPORAL_UI_URL "localhost:8080": not an http:// or https:// URL',
    ],
  ])('%s: exit 2 naming the setting; it does not start', async (_, flags, overrides, message) => {
    // A spare port, so a server that started by mistake would not take anyone's 8081.
    const args = ['codec-server', ...((flags as string[]).includes('--port') ? [] : ['--port', String(await freePort())]), ...flags];
    const run = await runCli(args, { ...withKeys(), ...overrides });
    expect(run.code).toBe(EXIT.invalidPlan);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('listening on');
  });
});
