/** The CLI's start, as a user runs it (bin/glidepath), beside `node -e ''` on the same Node in the same run. */
import path from 'node:path';
import { timeCommand } from './processes';
import { type Bench, root } from './setup';
import { type Figure, summarize } from './stats';

export async function cliFigures(bench: Bench, heldService: string): Promise<Figure[]> {
  const runs = bench.quick ? 5 : 15;
  const glidepath = path.join(root, 'bin', 'glidepath');
  const env = { ...process.env, TEMPORAL_ADDRESS: bench.address, TEMPORAL_NAMESPACE: 'default' };
  const node: number[] = [];
  const help: number[] = [];
  const validate: number[] = [];
  const status: number[] = [];
  // Interleaved, one at a time, so the baseline sees the same load.
  for (let i = 0; i < runs; i++) {
    node.push(await timeCommand(process.execPath, ['-e', '']));
    help.push(await timeCommand(glidepath, ['--help']));
    validate.push(await timeCommand(glidepath, ['validate', 'examples/lambda-canary.yaml']));
    status.push(await timeCommand(glidepath, ['status', `${heldService}/test`], env));
  }
  const baseline = summarize(node);
  const figure = (name: string, label: string, times: number[], goalMs: number | undefined): Figure => {
    const s = summarize(times);
    return {
      name,
      label,
      unit: 'ms',
      value: s.p50,
      baseline: baseline.p50,
      ratio: s.p50 / baseline.p50,
      sample: s,
      baselineSample: baseline,
      goal: goalMs ? `< ${goalMs} ms` : '–',
      met: goalMs ? s.p50 < goalMs : undefined,
      note: `${bench.cliMode}; baseline \`node -e ''\``,
    };
  };
  return [
    figure('cli_help_ms', '`glidepath --help`', help, 300),
    figure('cli_validate_ms', '`glidepath validate examples/lambda-canary.yaml`', validate, undefined),
    figure('cli_status_ms', '`glidepath status <service>/<environment>`', status, 500),
  ];
}
