/** `glidepath codec-server`: the codec server with the keys and token from the environment, until SIGINT/SIGTERM. */
import { EncryptionCodec } from '../encryption/codec';
import { TOKEN_VARIABLE } from '../encryption/codec-server-access';
import { startCodecServer } from '../encryption/codec-server';
import { KEYS_VARIABLE, KEY_FILE_VARIABLE, keyringFromEnvironment } from '../encryption/keys';
import { UsageError } from './usage-error';

export interface CodecServerFlags {
  port: string;
  host: string;
  allowedOrigin: string[];
}

/** The origin of $TEMPORAL_UI_URL (which may carry a path prefix), else the local dev server's UI. */
function defaultUiOrigin(env: NodeJS.ProcessEnv): string {
  const value = env.TEMPORAL_UI_URL ?? 'http://localhost:8233';
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(
      `TEMPORAL_UI_URL "${value}": not an http:// or https:// URL; set it to the Web UI address, e.g. ` +
        `http://localhost:8233, or pass --allowed-origin`,
    );
  }
  return url.origin;
}

/**
 * `value` as the exact origin a browser sends (scheme, host, port): the codec server compares origins as text, so
 * `localhost:8080` (no scheme) or a page's path would never match and every call from the UI would be refused.
 */
function allowedOrigin(value: string): string {
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(
      `--allowed-origin "${value}": not an http:// or https:// origin; give the Web UI address as the browser sees ` +
        `it, e.g. --allowed-origin http://localhost:8080`,
    );
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new UsageError(`--allowed-origin "${value}": an origin is a scheme, host and port only; use --allowed-origin ${url.origin}`);
  }
  return url.origin;
}

/** `new URL`, or undefined for text that is no URL (URL.parse needs Node 22.1; engines allows 22.0). */
function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
    throw new UsageError(`--port "${value}": not a TCP port; give a number from 1 to 65535, e.g. --port 8081`);
  }
  return n;
}

/** Everything the server needs, checked before it listens: bad input exits 2 naming the setting. */
export function codecServerSettings(flags: CodecServerFlags, env: NodeJS.ProcessEnv = process.env) {
  const keyring = keyringFromEnvironment(env); // a malformed key setting: KeyConfigurationError, exit 2
  if (!keyring.newest) {
    throw new UsageError(
      `${KEYS_VARIABLE}: not set, and the codec server has no keys to decrypt with; set it (or ${KEY_FILE_VARIABLE}) to the worker's keys`,
    );
  }
  const token = env[TOKEN_VARIABLE]?.trim();
  if (!token) {
    throw new UsageError(
      `${TOKEN_VARIABLE}: not set, and the codec server refuses to decrypt for anyone without a token; set it, ` +
        `e.g. to \`openssl rand -hex 32\``,
    );
  }
  const allowedOrigins = flags.allowedOrigin.length ? flags.allowedOrigin.map(allowedOrigin) : [defaultUiOrigin(env)];
  return { keyring, token, allowedOrigins, port: port(flags.port), newest: keyring.newest };
}

export async function runCodecServer(flags: CodecServerFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = codecServerSettings(flags, env);
  const server = await startCodecServer({
    codec: new EncryptionCodec(settings.keyring),
    token: settings.token,
    allowedOrigins: settings.allowedOrigins,
    port: settings.port,
    host: flags.host,
    log: (line) => console.error(`glidepath codec-server: ${line}`),
  });
  console.error(
    `glidepath codec-server: listening on ${server.url} for ${settings.allowedOrigins.join(', ')}; ` +
      `keys ${[...settings.keyring.byId.keys()].join(', ')} (newest ${settings.newest.id})`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
}
