/** `glidepath codec-server`: the codec server with the keys and token from the environment, until SIGINT/SIGTERM. */
import { EncryptionCodec } from '../encryption/codec';
import { TOKEN_VARIABLE } from '../encryption/codec-server-access';
import { startCodecServer } from '../encryption/codec-server';
import { KEYS_VARIABLE, KEY_FILE_VARIABLE, keyringFromEnvironment } from '../encryption/keys';

export interface CodecServerFlags {
  port: string;
  host: string;
  allowedOrigin: string[];
}

export function defaultUiOrigin(env: NodeJS.ProcessEnv = process.env): string {
  return new URL(env.TEMPORAL_UI_URL ?? 'http://localhost:8233').origin;
}

export async function runCodecServer(flags: CodecServerFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const keyring = keyringFromEnvironment(env);
  if (!keyring.newest) throw new Error(`the codec server needs the encryption keys: set ${KEYS_VARIABLE} or ${KEY_FILE_VARIABLE}`);
  const token = env[TOKEN_VARIABLE]?.trim();
  if (!token) throw new Error(`the codec server needs an access token: set ${TOKEN_VARIABLE} (e.g. to \`openssl rand -hex 32\`)`);
  const allowedOrigins = flags.allowedOrigin.length ? flags.allowedOrigin : [defaultUiOrigin(env)];
  const server = await startCodecServer({
    codec: new EncryptionCodec(keyring),
    token,
    allowedOrigins,
    port: Number(flags.port),
    host: flags.host,
    log: (line) => console.error(`glidepath codec-server: ${line}`),
  });
  console.error(
    `glidepath codec-server: listening on ${server.url} for ${allowedOrigins.join(', ')}; ` +
      `keys ${[...keyring.byId.keys()].join(', ')} (newest ${keyring.newest.id})`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
}
