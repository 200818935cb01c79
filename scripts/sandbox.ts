/**
 * Runs everything a newcomer needs to see Glidepath work, on this machine:
 * Temporal dev server + Web UI (http://localhost:8233), moto, a worker, and examples/lambda-canary.yaml started
 * (with --release: examples/lambda-release.yaml, staging → prod across five Lambda functions).
 * Encryption is on: payloads are encrypted with the key in .sandbox/encryption-keys, and the Web UI decrypts
 * them through `glidepath codec-server`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_FLAGS } from '../workflows/search-attributes';
import { createLambdaService } from '../test/support/lambda-fixture';
import { startMoto } from '../test/support/moto';
import { tool } from '../test/support/tools';

const root = path.join(__dirname, '..');
const TEMPORAL_PORT = Number(process.env.SANDBOX_TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(process.env.SANDBOX_UI_PORT ?? 8233);
const CODEC_PORT = Number(process.env.SANDBOX_CODEC_PORT ?? 8081);
const children: ChildProcess[] = [];
const RELEASE_FUNCTIONS = ['shop-api-staging', 'shop-worker-staging', 'shop-api-eu', 'shop-api-us', 'shop-worker-prod'];
const RELEASE_HELP = (port: number, ui: number) => `
The example release (examples/lambda-release.yaml) takes shop v2 through staging (API, then worker), soaks 30s,
and waits for alice or bob to approve prod, which goes one API region first, then the rest. In another terminal:
  export TEMPORAL_ADDRESS=127.0.0.1:${port}
  ./bin/glidepath status release:shop
  ./bin/glidepath approve release:shop --by alice --reason "staging is quiet"
  ./bin/glidepath where shop
  ./bin/glidepath abort release:shop --reason "changed my mind"      # rolls back the running stage
Web UI: http://localhost:${ui}  (filter: DeploySystem="shop")`;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, label = path.basename(command)): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (d: Buffer) =>
    d
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => `[${label}] ${l}`)
      .join('\n');
  child.stdout!.on('data', (d) => console.log(prefix(d)));
  child.stderr!.on('data', (d) => console.error(prefix(d)));
  children.push(child);
  return child;
}

async function waitForPort(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up`);
}

/** The sandbox's key and codec-server token, made once and kept in .sandbox/ (git-ignored). */
function sandboxSecret(name: string, make: () => string): string {
  const file = path.join(root, '.sandbox', name);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, make(), { mode: 0o600 });
  }
  return file;
}

async function main() {
  const keyFile = sandboxSecret(
    'encryption-keys',
    () => `# newest first; see README "Encryption"\nsandbox-1=${randomBytes(32).toString('base64')}\n`,
  );
  const codecToken = readFileSync(
    sandboxSecret('codec-token', () => randomBytes(24).toString('hex')),
    'utf8',
  ).trim();
  const uiOrigins = [`http://localhost:${UI_PORT}`, `http://127.0.0.1:${UI_PORT}`];
  // The UI has no login here, so the codec endpoint carries the token as its path (README "Codec server").
  const codecEndpoint = `http://localhost:${CODEC_PORT}/${codecToken}`;
  const searchAttributes = SEARCH_ATTRIBUTE_FLAGS.flatMap((flag) => ['--search-attribute', flag]);
  run(
    tool('temporal'),
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(TEMPORAL_PORT),
      '--ui-port',
      String(UI_PORT),
      '--ui-codec-endpoint',
      codecEndpoint,
      '--log-level',
      'error',
      ...searchAttributes,
    ],
    {},
    'temporal',
  );
  const moto = await startMoto();
  await waitForPort(`http://127.0.0.1:${UI_PORT}`);
  const release = process.argv.includes('--release');
  for (const fn of release ? RELEASE_FUNCTIONS : ['payments-api']) await createLambdaService(moto.endpoint, fn);

  const env = {
    TEMPORAL_ADDRESS: `127.0.0.1:${TEMPORAL_PORT}`,
    TEMPORAL_UI_URL: `http://localhost:${UI_PORT}`,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    GLIDEPATH_ENCRYPTION_KEY_FILE: keyFile,
  };
  const bin = path.join(root, 'bin', 'glidepath');
  const allowed = uiOrigins.flatMap((origin) => ['--allowed-origin', origin]);
  run(bin, ['codec-server', '--port', String(CODEC_PORT), ...allowed], { ...env, GLIDEPATH_CODEC_TOKEN: codecToken }, 'codec-server');
  run(bin, ['worker'], env, 'worker');
  const deploy = release
    ? run(bin, ['release', 'examples/lambda-release.yaml', '--by', 'sandbox'], env, 'release')
    : run(bin, ['deploy', 'examples/lambda-canary.yaml', '--by', 'sandbox'], env, 'deploy');
  await new Promise((r) => deploy.once('exit', r));
  if (release) console.log(RELEASE_HELP(TEMPORAL_PORT, UI_PORT));

  console.log(`
Glidepath sandbox is up.
  Web UI:   http://localhost:${UI_PORT}   (filter: DeployService="payments")
  Temporal: 127.0.0.1:${TEMPORAL_PORT}    AWS (moto): ${moto.endpoint}
  Encrypted: payloads use the key in ${path.relative(root, keyFile)}; the UI decrypts them through the
             codec server on port ${CODEC_PORT}. Without a key, the CLI says which key it needs.

The example canary (examples/lambda-canary.yaml) moves 10% of traffic to v2, soaks 30s, then waits for
approval by alice or bob. In another terminal:
  export TEMPORAL_ADDRESS=127.0.0.1:${TEMPORAL_PORT} GLIDEPATH_ENCRYPTION_KEY_FILE=${keyFile}
  ./bin/glidepath status payments/sandbox
  ./bin/glidepath approve payments/sandbox --by alice --reason "looks good"
  ./bin/glidepath abort payments/sandbox --reason "changed my mind"
or in the Web UI: open the run → "Send an Update" → approve, with {"by": "alice", "reason": "looks good"}.
Ctrl-C stops the sandbox.`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  for (const child of children) child.kill('SIGTERM');
  await moto.stop();
}

main().catch((err) => {
  console.error(err);
  for (const child of children) child.kill('SIGTERM');
  process.exit(1);
});
