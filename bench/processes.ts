/** Child processes the bench starts (workers, CLI runs), each stopped by the bench before it exits. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { StubCall } from './stub-platform';

const root = path.join(__dirname, '..');
const running = new Set<ChildProcess>();

/** SIGKILLs every child still running (the bench's `finally`, and on SIGINT/SIGTERM). */
export function stopChildren(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

export function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** VmRSS of a process, in bytes. */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
}

/** CPU seconds (user + system) a process used so far. */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Wall time of one run of a command, in ms (it must exit 0). Asynchronous: the bench's own workers keep running. */
export function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const t0 = performance.now();
  const child = track(spawn(command, args, { env, cwd: root, stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

export interface WorkerProcess {
  pid: number;
  /** Ms from spawn until the worker could start polling. */
  ready: Promise<number>;
  calls: StubCall[];
  /** Resolves at the first call matching `match` (already seen or coming). */
  call(match: (c: StubCall) => boolean, timeoutMs?: number): Promise<StubCall>;
  /** RSS after a GC of the worker's main thread. */
  rss(): Promise<number>;
  kill(): void;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const spawnedAt = performance.now();
  const child = track(
    spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const calls: StubCall[] = [];
  const waiters: Array<{ match: (c: StubCall) => boolean; resolve: (c: StubCall) => void }> = [];
  const rssWaiters: Array<(rss: number) => void> = [];
  let markReady: (ms: number) => void = () => undefined;
  const ready = new Promise<number>((resolve, reject) => {
    markReady = resolve;
    child.once('exit', (code) => reject(new Error(`bench worker exited ${code} before it was ready`)));
  });
  ready.catch(() => undefined);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as { ready?: number; call?: StubCall; rss?: number };
    if (event.ready !== undefined) markReady(performance.now() - spawnedAt);
    if (event.rss !== undefined) rssWaiters.shift()?.(event.rss);
    if (event.call) {
      calls.push(event.call);
      for (const w of [...waiters]) {
        if (w.match(event.call)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event.call);
        }
      }
    }
  });
  return {
    pid: child.pid!,
    ready,
    calls,
    call: (match, timeoutMs = 120_000) => {
      const seen = calls.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('bench worker: expected call not seen')), timeoutMs);
        waiters.push({ match, resolve: (c) => (clearTimeout(timer), resolve(c)) });
      });
    },
    rss: () =>
      new Promise((resolve) => {
        rssWaiters.push(resolve);
        child.stdin!.write('gc\n');
      }),
    kill: () => child.kill('SIGKILL'),
  };
}
