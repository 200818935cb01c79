/**
 * `npm run bench [-- --quick]`: the figures of issue 12 in one run, on this machine, against a Temporal dev server
 * and moto, each beside a baseline measured in the same run where one exists (a bare Temporal workflow making the
 * same platform calls; `node -e ''` for the CLI's start). Prints a table and writes bench/results.json under stable
 * names. On a shared machine absolute figures move with the load; the ratios much less, so read those first.
 *
 * --quick: fewer samples (up to 300 plans held instead of 2,000; the 2,000 figure is then an upper bound).
 * Plans are held for at most 150 s per worker: on a loaded machine fewer than 2,000 may fit, and the note says so.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { cliFigures } from './cli-phase';
import { stopChildren } from './processes';
import { abortServices, holdForAbort, startsPerSecond, stepOverhead } from './rollout-phases';
import { type Bench, root, setUp } from './setup';
import { type Figure, table } from './stats';
import { failover, memoryAndWake, workerReady } from './worker-phases';

Runtime.install({ logger: new DefaultLogger('ERROR') });

/** What is running, so an interrupt stops it too. */
let current: Bench | undefined;

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const startedAt = Date.now();
  const loadBefore = os.loadavg();
  console.error(
    `glidepath bench${quick ? ' --quick' : ''}: node ${process.version}, ${os.cpus().length} CPUs, load ${loadBefore[0].toFixed(1)}`,
  );
  const figures: Figure[] = [];
  const phase = async (name: string, run: () => Promise<Figure[]> | Figure[]) => {
    const t0 = Date.now();
    const out = await run();
    figures.push(...out);
    console.error(`  ${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  };
  try {
    current = await setUp(quick);
    const b = current;
    console.error(`  set up: ${((Date.now() - startedAt) / 1000).toFixed(0)} s (CLI runs ${b.cliMode})`);
    const created = abortServices(b);
    created.catch(() => undefined);
    await phase('canary steps', () => stepOverhead(b));
    const held = await holdForAbort(b, created);
    await phase('CLI', () => cliFigures(b, held.services[0]));
    await phase('aborts', () => held.abort());
    await phase('starts', () => startsPerSecond(b));
    await phase('plans held open', () => memoryAndWake(b));
    await phase('failover', () => failover(b));
    await phase('worker start', () => workerReady(b));
  } finally {
    stopChildren();
    await current?.stop();
    current = undefined;
  }
  const loadAfter = os.loadavg();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    loadAverage1mBefore: Number(loadBefore[0].toFixed(1)),
    loadAverage1mAfter: Number(loadAfter[0].toFixed(1)),
  };
  const command = `npm run bench${quick ? ' -- --quick' : ''}`;
  const minutes = (Date.now() - startedAt) / 60_000;
  console.log(
    `\n${command} · ${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadAverage1mBefore} ` +
      `→ ${machine.loadAverage1mAfter} · ${minutes.toFixed(1)} min\n`,
  );
  console.log(table(figures));
  const notes = figures.filter((f) => f.note).map((f) => `- ${f.name}: ${f.note}`);
  console.log(`\n${notes.join('\n')}`);
  const results = {
    command,
    at: new Date(startedAt).toISOString(),
    minutes: Number(minutes.toFixed(1)),
    machine,
    figures: Object.fromEntries(figures.map(({ name, ...f }) => [name, f])),
  };
  writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

const stop = () => {
  stopChildren();
  void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

main().catch((err) => {
  console.error(err);
  stopChildren();
  process.exit(1);
});
