/**
 * An ECS service behind an ALB on moto, as a team would have before its first Glidepath release: a cluster,
 * a Fargate service on the "blue" target group, an idle "green" target group, a production listener that
 * forwards 100/0 between them (weighted forward), a test listener, and a path rule with the same forward.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EcsClients } from '../../activities/ecs/clients';
import { ecsPlatform } from '../../activities/ecs/ecs-platform';
import type { Platform } from '../../activities/types';
import type { Metadata, Plan } from '../../plan/schema';
import { type EcsTarget, EcsTargetSchema } from '../../plan/targets';
import { eventually } from './eventually';
import { awsConfig } from './moto';
import { testPlan } from './plans';

export interface EcsFixture {
  clients: EcsClients;
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  cluster: string;
  /** The stable service, on the blue target group. */
  service: string;
  blueTg: string;
  greenTg: string;
  listenerArn: string;
  testListenerArn: string;
  ruleArn: string;
  subnets: string[];
  securityGroup: string;
  /** The family of a one-off migration task definition (container "migrate"). */
  migrationFamily: string;
}

/** Weights by target group ARN, as the ALB would split traffic (percent). */
export type Weights = Record<string, number>;

/** The ECS platform as a worker builds it, with ECS and ELBv2 at `endpoint` (the ECS simulator). */
export function ecsPlatformAt(endpoint: string): Platform {
  const clients = { ecs: new ECSClient(awsConfig(endpoint)), elbv2: new ElasticLoadBalancingV2Client(awsConfig(endpoint)) };
  return ecsPlatform(() => clients, { pollIntervalMs: 100 });
}

export async function createEcsService(endpoint: string, name: string): Promise<EcsFixture> {
  const config = awsConfig(endpoint);
  const ecs = new ECSClient(config);
  const elbv2 = new ElasticLoadBalancingV2Client(config);
  const { vpcId, subnets, securityGroup } = await defaultVpc(endpoint);

  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: `${name}-alb`, Subnets: subnets, Type: 'application' }));
  const lbArn = lb.LoadBalancers![0].LoadBalancerArn!;
  const tg = async (color: string) =>
    (
      await elbv2.send(
        new CreateTargetGroupCommand({
          Name: `${name}-${color}`,
          Protocol: 'HTTP',
          Port: 8080,
          VpcId: vpcId,
          TargetType: 'ip',
          HealthCheckPath: '/health',
        }),
      )
    ).TargetGroups![0].TargetGroupArn!;
  const blueTg = await tg('blue');
  const greenTg = await tg('green');
  const forward = (live: string, idle: string) => [
    {
      Type: 'forward' as const,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: live, Weight: 100 },
          { TargetGroupArn: idle, Weight: 0 },
        ],
      },
    },
  ];
  const listener = async (port: number) =>
    (
      await elbv2.send(
        new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: forward(blueTg, greenTg) }),
      )
    ).Listeners![0].ListenerArn!;
  const listenerArn = await listener(80);
  const testListenerArn = await listener(8443);
  const rule = await elbv2.send(
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }],
      Actions: forward(blueTg, greenTg),
    }),
  );

  const cluster = `${name}-cluster`;
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const taskDef = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: name,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: `registry.example.com/${name}:v1`,
          essential: true,
          memory: 512,
          portMappings: [{ containerPort: 8080 }],
          environment: [{ name: 'LOG_LEVEL', value: 'info' }],
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: name,
      taskDefinition: taskDef.taskDefinition!.taskDefinitionArn!,
      desiredCount: 2,
      launchType: 'FARGATE',
      loadBalancers: [{ targetGroupArn: blueTg, containerName: 'app', containerPort: 8080 }],
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [securityGroup], assignPublicIp: 'DISABLED' } },
    }),
  );
  await waitSteady(ecs, cluster, name);

  const migrationFamily = `${name}-migrate`;
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: migrationFamily,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: 'migrate', image: `registry.example.com/${name}-migrations:v1`, essential: true, memory: 512, command: ['migrate', 'up'] },
      ],
    }),
  );

  const clients: EcsClients = () => ({ ecs, elbv2 });
  return {
    clients,
    ecs,
    elbv2,
    cluster,
    service: name,
    blueTg,
    greenTg,
    listenerArn,
    testListenerArn,
    ruleArn: rule.Rules![0].RuleArn!,
    subnets,
    securityGroup,
    migrationFamily,
  };
}

/** The plan's target for this fixture's service, as written in a plan: release `release` is image `<name>:<release>`. */
export function ecsTargetInput(f: EcsFixture, release: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'ecs',
    cluster: f.cluster,
    service: f.service,
    taskDefinition: { containerName: 'app', image: imageOf(f, release), environment: { RELEASE: release } },
    loadBalancer: {
      listenerArn: f.listenerArn,
      testListenerArn: f.testListenerArn,
      stableTargetGroupArn: f.blueTg,
      canaryTargetGroupArn: f.greenTg,
    },
    readyTimeout: '20s',
    ...extra,
  };
}

export const ecsTarget = (f: EcsFixture, release: string, extra: Record<string, unknown> = {}): EcsTarget =>
  EcsTargetSchema.parse(ecsTargetInput(f, release, extra));

/** A whole plan for this fixture, validated as the CLI does. */
export function ecsPlan(
  f: EcsFixture,
  strategy: unknown,
  { release = 'v2', target = {}, migration }: { release?: string; target?: Record<string, unknown>; migration?: unknown } = {},
): Plan {
  return testPlan(f.service, release, ecsTargetInput(f, release, target), strategy, migration ? { migration } : {});
}

/** A migration task input running this fixture's migration task definition. */
export const ecsMigrationInput = (f: EcsFixture, extra: Record<string, unknown> = {}) => ({
  type: 'ecs',
  cluster: f.cluster,
  taskDefinition: f.migrationFamily,
  launchType: 'FARGATE',
  network: { subnets: f.subnets, securityGroups: [f.securityGroup] },
  overrides: { command: ['migrate', 'up'] },
  ...extra,
});

export const imageOf = (f: EcsFixture, release: string) => `registry.example.com/${f.service}:${release}`;

export const metadataFor = (f: EcsFixture, release: string): Metadata => ({ service: f.service, environment: 'test', release });

/** Polls DescribeServices (each call is a tick of the simulated scheduler) until the service is steady. */
export async function waitSteady(ecs: ECSClient, cluster: string, service: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const s = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
    if (s?.deployments?.length === 1 && s.deployments[0].rolloutState === 'COMPLETED' && s.runningCount === s.desiredCount) return;
  }
  throw new Error(`${service} did not reach a steady state`);
}

/** The production (or test) listener's split, in percent per target group. */
export async function listenerWeights(f: EcsFixture, listenerArn = f.listenerArn): Promise<Weights> {
  const l = (await f.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners![0];
  return percentages(l.DefaultActions ?? []);
}

export async function ruleWeights(f: EcsFixture): Promise<Weights> {
  const r = (await f.elbv2.send(new DescribeRulesCommand({ RuleArns: [f.ruleArn] }))).Rules![0];
  return percentages(r.Actions ?? []);
}

function percentages(
  actions: { Type?: string; TargetGroupArn?: string; ForwardConfig?: { TargetGroups?: { TargetGroupArn?: string; Weight?: number }[] } }[],
): Weights {
  const forward = actions.find((a) => a.Type === 'forward');
  if (!forward) return {};
  if (!forward.ForwardConfig?.TargetGroups?.length) return { [forward.TargetGroupArn!]: 100 };
  const groups = forward.ForwardConfig.TargetGroups;
  const total = groups.reduce((sum, g) => sum + (g.Weight ?? 1), 0);
  return Object.fromEntries(groups.map((g) => [g.TargetGroupArn!, total === 0 ? 0 : Math.round(((g.Weight ?? 1) * 100) / total)]));
}

/** ECS services of the cluster that are ACTIVE (moto keeps deleted ones as INACTIVE). */
export async function activeServices(f: EcsFixture): Promise<string[]> {
  const arns = (await f.ecs.send(new ListServicesCommand({ cluster: f.cluster }))).serviceArns ?? [];
  if (!arns.length) return [];
  const described = await f.ecs.send(new DescribeServicesCommand({ cluster: f.cluster, services: arns }));
  return (described.services ?? [])
    .filter((s) => s.status === 'ACTIVE')
    .map((s) => s.serviceName!)
    .sort();
}

/** Every service of the cluster ever created, deleted ones included (moto keeps them as INACTIVE). */
export async function everyService(f: EcsFixture): Promise<string[]> {
  const arns = (await f.ecs.send(new ListServicesCommand({ cluster: f.cluster }))).serviceArns ?? [];
  return arns.map((arn) => arn.split('/').pop()!).sort();
}

/** The revisions registered in a task-definition family. */
export async function taskDefinitionRevisions(f: EcsFixture, family = f.service): Promise<number[]> {
  const arns = (await f.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns ?? [];
  return arns
    .map((arn) => /:task-definition\/(.+):(\d+)$/.exec(arn)!)
    .filter((m) => m[1] === family)
    .map((m) => Number(m[2]))
    .sort((a, b) => a - b);
}

/** Every task the cluster ran (running and stopped): a migration task counted on the platform. */
export async function clusterTasks(f: EcsFixture): Promise<Task[]> {
  const arns = new Set<string>();
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    for (const arn of (await f.ecs.send(new ListTasksCommand({ cluster: f.cluster, desiredStatus }))).taskArns ?? []) arns.add(arn);
  }
  if (!arns.size) return [];
  return (await f.ecs.send(new DescribeTasksCommand({ cluster: f.cluster, tasks: [...arns] }))).tasks ?? [];
}

/** The cluster's one task, once the migration started it. */
export async function waitForMigrationTask(f: EcsFixture): Promise<Task> {
  const [task] = await eventually(
    () => clusterTasks(f),
    (t) => t.length === 1,
    'migration task started',
  );
  return task;
}

export async function targetStates(f: EcsFixture, targetGroupArn: string): Promise<string[]> {
  const h = await f.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return (h.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth!.State!);
}

/** moto's default VPC and two of its subnets, read with a plain EC2 Query call (no EC2 SDK client needed). */
async function defaultVpc(endpoint: string): Promise<{ vpcId: string; subnets: string[]; securityGroup: string }> {
  const query = async (params: Record<string, string>) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request',
      },
      body: new URLSearchParams({ ...params, Version: '2016-11-15' }),
    });
    if (!res.ok) throw new Error(`EC2 ${params.Action} failed: ${res.status}`);
    return res.text();
  };
  const vpcs = await query({ Action: 'DescribeVpcs', 'Filter.1.Name': 'is-default', 'Filter.1.Value.1': 'true' });
  const vpcId = /<vpcId>([^<]+)<\/vpcId>/.exec(vpcs)![1];
  const subnetXml = await query({ Action: 'DescribeSubnets', 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': vpcId });
  const subnets = [...subnetXml.matchAll(/<subnetId>([^<]+)<\/subnetId>/g)].map((m) => m[1]).slice(0, 2);
  const groups = await query({
    Action: 'DescribeSecurityGroups',
    'Filter.1.Name': 'vpc-id',
    'Filter.1.Value.1': vpcId,
    'Filter.2.Name': 'group-name',
    'Filter.2.Value.1': 'default',
  });
  const securityGroup = /<groupId>([^<]+)<\/groupId>/.exec(groups)![1];
  return { vpcId, subnets, securityGroup };
}

let counter = 0;
/** A short unique name (target group names allow 32 characters, with "-green" appended). */
export function uniqueEcsName(prefix: string): string {
  return `${prefix}-${++counter}${Math.random().toString(36).slice(2, 6)}`.slice(0, 24);
}
