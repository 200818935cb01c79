/**
 * CloudWatch: GetMetricData over the last `lookback` (metric math evaluated by CloudWatch; the latest value of
 * the query that returns data is the result), or an alarm's state (OK passes, ALARM fails, INSUFFICIENT_DATA
 * is an error: nothing was measured).
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery as SdkMetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { durationMs } from '../../plan/duration';
import type { CloudWatchProvider, MetricDataQuery } from '../../plan/analysis';
import { perRegion } from '../aws-clients';
import { renderTemplate } from './evaluate';
import type { ProviderIO, Reading } from './reading';

/** A client per region (undefined: the worker's default region). Tests point them at moto. */
export type CloudWatchClients = (region?: string) => CloudWatchClient;

/** Clients from the worker's environment (credentials, region, AWS_ENDPOINT_URL), one per region. */
export function defaultCloudWatchClients(): CloudWatchClients {
  return perRegion((config) => new CloudWatchClient(config));
}

export interface CloudWatchIO extends ProviderIO {
  clients: CloudWatchClients;
  now?: () => number;
}

export async function measureCloudWatch(
  provider: CloudWatchProvider,
  variables: Record<string, string>,
  io: CloudWatchIO,
): Promise<Reading> {
  const client = io.clients(provider.region);
  if (provider.alarmName !== undefined) return alarmState(client, renderTemplate(provider.alarmName, variables), io);
  const queries = provider.metricDataQueries ?? [];
  const returned = resultQuery(queries);
  const request = metricDataRequest(queries, variables);
  const now = io.now?.() ?? Date.now();
  const lookback = durationMs(provider.lookback);
  let nextToken: string | undefined;
  const values: number[] = [];
  const problems: string[] = [];
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: request,
        StartTime: new Date(now - lookback),
        EndTime: new Date(now),
        ScanBy: 'TimestampDescending',
        NextToken: nextToken,
      }),
      { abortSignal: io.signal },
    );
    const result: MetricDataResult | undefined = page.MetricDataResults?.find((r) => r.Id === returned.id);
    values.push(...(result?.Values ?? []));
    if (result?.StatusCode === 'Forbidden' || result?.StatusCode === 'InternalError') problems.push(`status ${result.StatusCode}`);
    for (const m of [...(result?.Messages ?? []), ...(page.Messages ?? [])]) problems.push(`${m.Code}: ${m.Value}`);
    nextToken = page.NextToken;
  } while (nextToken && values.length === 0);
  if (values.length === 0) {
    const why = problems.length ? `; CloudWatch said ${problems.join('; ')}` : '';
    throw new Error(
      `no data: "${returned.id}" has no datapoints in the last ${provider.lookback} (is the metric published, are ` +
        `the dimensions right?)${why}`,
    );
  }
  return { value: values[0] };
}

/** The query whose values are the result: the one marked `returnData: true`, else the last one. */
export function resultQuery(queries: MetricDataQuery[]): MetricDataQuery {
  return queries.find((q) => q.returnData === true) ?? queries[queries.length - 1];
}

/** The plan's queries in the SDK's shape, templates filled; only the result query returns data. */
export function metricDataRequest(queries: MetricDataQuery[], variables: Record<string, string>): SdkMetricDataQuery[] {
  const returned = resultQuery(queries);
  return queries.map((q) => ({
    Id: q.id,
    ...(q.metricStat
      ? {
          MetricStat: {
            Metric: {
              Namespace: q.metricStat.metric.namespace,
              MetricName: q.metricStat.metric.metricName,
              Dimensions: q.metricStat.metric.dimensions.map((d) => ({ Name: d.name, Value: renderTemplate(d.value, variables) })),
            },
            Period: q.metricStat.period,
            Stat: q.metricStat.stat,
            ...(q.metricStat.unit ? { Unit: q.metricStat.unit as never } : {}),
          },
        }
      : { Expression: renderTemplate(q.expression!, variables) }),
    ...(q.label ? { Label: q.label } : {}),
    ...(q.period && !q.metricStat ? { Period: q.period } : {}),
    ReturnData: q === returned,
  }));
}

async function alarmState(client: CloudWatchClient, name: string, io: ProviderIO): Promise<Reading> {
  const out = await client.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }), {
    abortSignal: io.signal,
  });
  const alarm = out.MetricAlarms?.[0] ?? out.CompositeAlarms?.[0];
  if (!alarm) throw new Error(`no CloudWatch alarm named "${name}"`);
  const reason = alarm.StateReason ? `: ${alarm.StateReason}` : '';
  switch (alarm.StateValue) {
    case 'OK':
      return { verdict: 'passed', value: 0, message: `alarm ${name} is OK` };
    case 'ALARM':
      return { verdict: 'failed', value: 1, message: `alarm ${name} is in ALARM${reason}` };
    default:
      throw new Error(`alarm ${name} has ${alarm.StateValue ?? 'no state'}${reason}`);
  }
}
