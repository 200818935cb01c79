/**
 * Connecting the worker to Temporal when Temporal may not be up yet (a fresh compose stack, a server restart):
 * retries with backoff and says what it waits for, instead of dying on the first refused connection.
 */
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';

export interface WaitOptions {
  /** Where progress is reported; the worker prints to stderr. */
  say?: (line: string) => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Give up after this long (default: never). */
  giveUpAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function connectWhenReachable(options: NativeConnectionOptions, wait: WaitOptions = {}): Promise<NativeConnection> {
  const { say = (line) => console.error(line), firstDelayMs = 500, maxDelayMs = 15_000, giveUpAfterMs = Infinity } = wait;
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = Date.now();
  for (let attempt = 1, delay = firstDelayMs; ; attempt++, delay = Math.min(delay * 2, maxDelayMs)) {
    try {
      const connection = await NativeConnection.connect(options);
      if (attempt > 1) say(`glidepath worker: reached Temporal at ${options.address} after ${attempt} attempts`);
      return connection;
    } catch (err) {
      if (Date.now() - started + delay > giveUpAfterMs) {
        throw new Error(`Temporal at ${options.address} unreachable for ${Math.round((Date.now() - started) / 1000)}s: ${firstLine(err)}`);
      }
      say(
        `glidepath worker: waiting for ` +
          `Temporal at ${options.address} (attempt ${attempt}, next in ${(delay / 1000).toFixed(1)}s): ${firstLine(err)}`,
      );
      await sleep(delay);
    }
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // The native client's transport errors are long and nested; the first line names the cause.
  return text
    .split('\n')[0]
    .replace(/^.*tonic::transport::Error\(\s*/, 'transport error: ')
    .slice(0, 300);
}
