/**
 * A private Prometheus (Debian's package, installed by scripts/prometheus.sh) on a free loopback port, scraping
 * every second a small exporter served from the test process. The exporter serves, per version, the series a
 * scenario needs: `http_requests_total{service,version,code}` and the `http_request_duration_seconds` histogram.
 * Tests change the traffic while it runs (an error spike at a given moment, a metric going missing).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './moto';

export interface VersionTraffic {
  /** Requests per second. */
  rps: number;
  /** Fraction of requests answered with code 500. */
  errorRatio: number;
  /** How long every request takes, in seconds. */
  latencySeconds: number;
  /** False: the exporter serves no series for this version (the metric is missing). */
  present: boolean;
}

const DEFAULT_TRAFFIC: VersionTraffic = { rps: 50, errorRatio: 0.001, latencySeconds: 0.08, present: true };
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Counters {
  ok: number;
  failed: number;
  buckets: number[];
  sum: number;
  count: number;
}

interface Series {
  service: string;
  version: string;
  traffic: VersionTraffic;
  counters: Counters;
}

/** Request counters that grow with time at each (service, version)'s current rates. */
export class Exporter {
  private readonly series = new Map<string, Series>();
  private last = Date.now();

  /** `service` is the default service of `set`; tests running workflows add their own services. */
  constructor(
    readonly service: string,
    versions: Record<string, Partial<VersionTraffic>> = {},
  ) {
    for (const [version, t] of Object.entries(versions)) this.set(version, t);
  }

  /** Changes a version's traffic from now on (adds the version if it is new). */
  set(version: string, change: Partial<VersionTraffic>, service = this.service): void {
    this.advance();
    const key = `${service}/${version}`;
    const s = this.series.get(key) ?? {
      service,
      version,
      traffic: DEFAULT_TRAFFIC,
      counters: { ok: 0, failed: 0, buckets: BUCKETS.map(() => 0), sum: 0, count: 0 },
    };
    this.series.set(key, { ...s, traffic: { ...s.traffic, ...change } });
  }

  /** Changes a version's traffic `ms` from now. */
  setAfter(ms: number, version: string, change: Partial<VersionTraffic>, service = this.service): NodeJS.Timeout {
    return setTimeout(() => this.set(version, change, service), ms);
  }

  private advance(): void {
    const now = Date.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    for (const { traffic: t, counters: c } of this.series.values()) {
      const n = t.rps * seconds;
      c.ok += n * (1 - t.errorRatio);
      c.failed += n * t.errorRatio;
      BUCKETS.forEach((le, i) => (c.buckets[i] += t.latencySeconds <= le ? n : 0));
      c.sum += n * t.latencySeconds;
      c.count += n;
    }
  }

  /** The Prometheus text exposition format. */
  render(): string {
    this.advance();
    const shown = [...this.series.values()].filter((s) => s.traffic.present);
    const labels = (s: Series, extra = '') => `service="${s.service}",version="${s.version}"${extra}`;
    const lines = ['# TYPE http_requests_total counter'];
    for (const s of shown) {
      lines.push(
        `http_requests_total{${labels(s, ',code="200"')}} ${s.counters.ok}`,
        `http_requests_total{${labels(s, ',code="500"')}} ${s.counters.failed}`,
      );
    }
    lines.push('# TYPE http_request_duration_seconds histogram');
    for (const s of shown) {
      const c = s.counters;
      BUCKETS.forEach((le, i) => lines.push(`http_request_duration_seconds_bucket{${labels(s, `,le="${le}"`)}} ${c.buckets[i]}`));
      lines.push(
        `http_request_duration_seconds_bucket{${labels(s, ',le="+Inf"')}} ${c.count}`,
        `http_request_duration_seconds_sum{${labels(s)}} ${c.sum}`,
        `http_request_duration_seconds_count{${labels(s)}} ${c.count}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}

export interface PrometheusFixture {
  /** Base URL of the Prometheus HTTP API. */
  address: string;
  exporter: Exporter;
  /** Runs an instant query, for assertions and waiting. */
  query(promql: string): Promise<number | undefined>;
  /** Waits until `promql` has a value (e.g. until rate() has two scrapes to work with). */
  waitFor(promql: string, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

let binary: string | undefined;

export function prometheusBinary(): string {
  if (binary) return binary;
  const script = path.join(__dirname, '..', '..', 'scripts', 'prometheus.sh');
  const out = execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n');
  return (binary = out[out.length - 1]);
}

/** Healthy traffic on both versions unless a version's traffic says otherwise. */
export async function startPrometheus(service: string, versions: Record<string, Partial<VersionTraffic>>): Promise<PrometheusFixture> {
  const exporter = new Exporter(service, versions);
  const server: Server = createServer((req, res) => {
    res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(req.url === '/metrics' ? exporter.render() : 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const exporterPort = (server.address() as { port: number }).port;

  const dir = mkdtempSync(path.join(tmpdir(), 'glidepath-prometheus-'));
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: exporter',
      `    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]`,
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const stopPrometheus = async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  const stop = async () => {
    await stopPrometheus();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  };

  // Prometheus binds a port picked free a moment earlier; if it was taken meanwhile, Prometheus exits and is
  // started again on another one.
  let address = '';
  for (let attempt = 1; !address; attempt++) {
    const port = await freePort();
    child = spawn(
      prometheusBinary(),
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok && child.exitCode === null) {
          address = `http://127.0.0.1:${port}`;
          break;
        }
      } catch {
        /* not up yet */
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        await stopPrometheus();
        if (attempt < 3 && Date.now() <= deadline) break;
        await stop();
        throw new Error(`prometheus did not start: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const query = async (promql: string): Promise<number | undefined> => {
    const res = await fetch(`${address}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    const raw = body.data?.result?.[0]?.value?.[1];
    return raw === undefined ? undefined : Number(raw);
  };
  const waitFor = async (promql: string, timeoutMs = 20_000): Promise<number> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await query(promql);
      if (value !== undefined && !Number.isNaN(value)) return value;
      if (Date.now() > until) throw new Error(`${promql} had no value within ${timeoutMs}ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  return { address, exporter, query, waitFor, stop };
}
