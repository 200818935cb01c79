/**
 * Run by scripts/ui-codec-check.sh: the sandbox (encryption on) on spare ports, then the example run in the
 * Web UI through headless Chromium. Passes when the UI shows the run's input and Current Details decrypted, and,
 * for a run written with a key the codec server lacks, the text naming that key.
 * With --release: the example release instead, whose Current Details must show the stage tree and its gate, and
 * whose targets the UI's list finds by the search attribute naming their release.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort } from '../test/support/moto';

const root = path.join(__dirname, '..');

/** The little of playwright-core this uses (it is installed by the .sh script, not a project dependency). */
interface Frame {
  evaluate(expression: string): Promise<unknown>;
}
interface Page {
  on(event: 'response', listener: (response: { url(): string; status(): number }) => void): void;
  goto(url: string, options: { waitUntil: 'load' }): Promise<unknown>;
  getByText(
    text: string,
    options?: { exact: boolean },
  ): { first(): { waitFor(o: { timeout: number }): Promise<void> }; click(): Promise<void> };
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
  frames(): Frame[];
  waitForTimeout(ms: number): Promise<void>;
}
interface Chromium {
  launch(options: {
    executablePath: string;
    args: string[];
  }): Promise<{ newPage(o: { viewport: { width: number; height: number } }): Promise<Page>; close(): Promise<void> }>;
}
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What is checked: the example canary, or (--release) the example release. */
const example = process.argv.includes('--release')
  ? { args: ['--release'], id: 'release:shop', waitsFor: 'AwaitingApproval', details: ['Waiting for:', 'staging', 'prod', 'go-to-prod'] }
  : { args: [], id: 'deploy:payments/sandbox', waitsFor: 'AwaitingApproval', details: ['Waiting for:'] };

async function main() {
  const [temporalPort, uiPort, codecPort] = [await freePort(), await freePort(), await freePort()];
  const sandbox = spawn('npx', ['tsx', 'scripts/sandbox.ts', ...example.args], {
    cwd: root,
    env: {
      ...process.env,
      SANDBOX_TEMPORAL_PORT: String(temporalPort),
      SANDBOX_UI_PORT: String(uiPort),
      SANDBOX_CODEC_PORT: String(codecPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  try {
    await untilOutput(sandbox, /Glidepath sandbox is up/, 120_000);
    await untilWaiting(temporalPort);
    const ui = `http://localhost:${uiPort}/namespaces/default`;
    await checkUi(`${ui}/workflows/${encodeURIComponent(example.id)}`);
    if (example.id.startsWith('release:')) await checkReleaseTargets(ui);
    else await checkMissingKey(temporalPort, ui);
  } finally {
    const stopped = new Promise((r) => sandbox.once('exit', r));
    process.kill(-sandbox.pid!, 'SIGTERM');
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 20_000))]);
  }
}

async function checkUi(url: string) {
  await withPage(async (page) => {
    const decodes = decodeStatuses(page);
    await page.goto(url, { waitUntil: 'load' });
    // "glidepath/v1" is the plan's apiVersion: in the Input panel only once the codec server decrypted it.
    await page.getByText('"glidepath/v1"').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(root, '.sandbox', 'ui-codec-input.png'), fullPage: true });
    await page.getByText('User Metadata', { exact: true }).click();
    const details = await waitForFrameText(page, example.details, 30_000);
    await page.screenshot({ path: path.join(root, '.sandbox', 'ui-codec-current-details.png'), fullPage: true });
    if (!decodes.length || decodes.some((s) => s !== 200)) throw new Error(`codec server answers: ${decodes.join(', ')}`);
    console.log(
      `Web UI decrypted the input and Current Details through the codec server (${decodes.length} decode calls, all 200):\n${details}`,
    );
    console.log('screenshots: .sandbox/ui-codec-input.png, .sandbox/ui-codec-current-details.png');
  });
}

/**
 * A run started by a CLI whose key ("gone-1") the codec server does not have, as after a key was dropped too early:
 * the UI shows, where the run's data would be, the codec server's text naming the key it needs.
 */
async function checkMissingKey(temporalPort: number, ui: string) {
  const id = 'deploy:payments/lost-key';
  execFileSync(
    path.join(root, 'bin', 'glidepath'),
    ['deploy', 'examples/lambda-canary.yaml', '--set', 'environment=lost-key', '--by', 'sandbox'],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        GLIDEPATH_ENCRYPTION_KEYS: `gone-1=${randomBytes(32).toString('base64')}`,
        GLIDEPATH_TASK_QUEUE: 'no-worker-has-this-key', // the sandbox's worker would only fail its tasks
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await withPage(async (page) => {
    const decodes = decodeStatuses(page);
    await page.goto(`${ui}/workflows/${encodeURIComponent(id)}`, { waitUntil: 'load' });
    const text = await waitForFrameText(page, ['payload encrypted with key', 'gone-1', 'which is not configured'], 30_000);
    await page.screenshot({ path: path.join(root, '.sandbox', 'ui-codec-missing-key.png'), fullPage: true });
    if (!decodes.length || decodes.some((s) => s !== 200)) throw new Error(`codec server answers: ${decodes.join(', ')}`);
    const shown = text.split('\n').filter((line) => line.includes('payload encrypted with key'));
    console.log(
      `Web UI shows, for the run whose key the codec server lacks (${decodes.length} decode calls, all 200):\n${shown.join('\n')}`,
    );
    console.log('screenshot: .sandbox/ui-codec-missing-key.png');
  });
}

/** The release's targets in the UI's workflow list, found by the search attribute naming their release. */
async function checkReleaseTargets(ui: string) {
  await withPage(async (page) => {
    await page.goto(`${ui}/workflows?query=${encodeURIComponent("DeployReleaseId = 'shop@v2'")}`, { waitUntil: 'load' });
    const list = await waitForFrameText(page, ['deploy:shop-api/staging', 'deploy:shop-worker/staging'], 30_000);
    await page.screenshot({ path: path.join(root, '.sandbox', 'ui-release-targets.png'), fullPage: true });
    const targets = list.split('\n').filter((line) => line.includes('deploy:shop-'));
    console.log(`Web UI lists the release's targets by DeployReleaseId:\n${targets.join('\n')}`);
    console.log('screenshot: .sandbox/ui-release-targets.png');
  });
}

/** A page of a fresh headless Chromium, closed after `use`. */
async function withPage<T>(use: (page: Page) => Promise<T>): Promise<T> {
  const { chromium } = require(process.env.PLAYWRIGHT_CORE ?? 'playwright-core') as { chromium: Chromium };
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  try {
    return await use(await browser.newPage({ viewport: { width: 1400, height: 1400 } }));
  } finally {
    await browser.close();
  }
}

/** The HTTP statuses of the codec server's answers to the page's /decode calls, as they come. */
function decodeStatuses(page: Page): number[] {
  const statuses: number[] = [];
  page.on('response', (r) => r.url().includes('/decode') && statuses.push(r.status()));
  return statuses;
}

/** Current Details is rendered in a frame of its own; the page (or one of its frames) shows every needle. */
async function waitForFrameText(page: Page, needles: string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const text = String(await frame.evaluate('document.body ? document.body.innerText : ""').catch(() => ''));
      if (needles.every((needle) => text.includes(needle))) return text;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`the Web UI never showed ${needles.map((n) => `"${n}"`).join(', ')}`);
}

function untilOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${output}`)), timeoutMs);
    const onData = (d: Buffer) => {
      output += d;
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`sandbox exited:\n${output}`)));
  });
}

async function untilWaiting(temporalPort: number) {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    GLIDEPATH_ENCRYPTION_KEY_FILE: path.join(root, '.sandbox', 'encryption-keys'),
  };
  let last = '';
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 2_000))) {
    try {
      const status = execFileSync(path.join(root, 'bin', 'glidepath'), ['status', example.id, '--json'], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      last = status;
      if (JSON.parse(status).phase === example.waitsFor) return;
    } catch (err) {
      last = String((err as { stderr?: string }).stderr ?? err); // not started yet, or not queryable yet
    }
  }
  console.error(last);
  throw new Error(`${example.id} never reached ${example.waitsFor}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
