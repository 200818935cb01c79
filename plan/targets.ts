/**
 * Where a plan deploys, and where its migration runs. One schema per platform; each platform's adapter
 * lives in `activities/<platform>/`.
 */
import { z } from 'zod';
import { AwsRegion } from './aws-region';
import { DurationRanges } from './duration-schema';
import { ImageReference } from './image-reference';

const awsName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"');
const region = AwsRegion.optional();

const LambdaCodeSchema = z
  .strictObject({
    s3Bucket: z.string().min(3).optional(),
    s3Key: z.string().min(1).optional(),
    s3ObjectVersion: z.string().optional(),
    imageUri: z.string().min(1).optional(),
  })
  .superRefine((code, ctx) => {
    const fromS3 = code.s3Bucket !== undefined || code.s3Key !== undefined;
    if (fromS3 && code.imageUri !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give either s3Bucket + s3Key (zip) or imageUri (container), not both' });
    } else if (fromS3 && (code.s3Bucket === undefined || code.s3Key === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [code.s3Bucket === undefined ? 's3Bucket' : 's3Key'],
        message: 'a zip package needs both s3Bucket and s3Key',
      });
    } else if (!fromS3 && code.imageUri === undefined) {
      ctx.addIssue({ code: 'custom', message: 'code needs s3Bucket + s3Key (zip) or imageUri (container image)' });
    }
  });

export const LambdaTargetSchema = z.strictObject({
  type: z.literal('lambda'),
  functionName: awsName,
  /** The alias clients invoke; traffic moves by its weighted routing. */
  alias: awsName,
  /** The code of the release: published as a new version beside the one the alias points at. */
  code: LambdaCodeSchema,
  /** Blue-green only: an alias that reaches the new version before the switch (default `<alias>-preview`). */
  previewAlias: awsName.optional(),
  region,
});
export type LambdaTarget = z.infer<typeof LambdaTargetSchema>;

// ---- Amazon ECS ----------------------------------------------------------------------------------------------

const ecsName = (what: string) => z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, `${what} must be 1-255 letters, digits, "-" or "_"`);
const ecsCluster = z
  .string()
  .regex(
    /^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255})$/,
    'cluster must be a cluster name or ARN',
  );
const elbArn = (kind: 'listener' | 'listener-rule' | 'targetgroup') =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:${kind}/.+`), `must be the ARN of an ELBv2 ${kind}`);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as "LOG_LEVEL"');

/** Plain values by name. Anything secret goes in `secrets` as a reference (the plan check refuses inline secrets). */
const EcsEnvironment = z.record(envName, z.string());

/** ECS resolves these when the task starts; the plan and the workflow history only ever hold the reference. */
const EcsSecretRef = z.strictObject({
  name: envName,
  /** A Secrets Manager secret or SSM parameter: ARN, or parameter name. */
  valueFrom: z
    .string()
    .regex(/^(arn:aws[a-z-]*:(secretsmanager|ssm):.+|[A-Za-z0-9_./-]+)$/, 'valueFrom must be a secret or parameter ARN or name'),
});

/** The new release's task definition: the stable one's current revision with this container changed. */
const EcsTaskSettingsSchema = z.strictObject({
  containerName: ecsName('containerName'),
  /** The release's image, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:v2`. */
  image: ImageReference,
  /** Set or replace these variables of the container (others are kept). */
  environment: EcsEnvironment.optional(),
  secrets: z.array(EcsSecretRef).optional(),
});

/** The ALB pair that carries traffic between the stable and the new service. */
const EcsLoadBalancerSchema = z
  .strictObject({
    /** Production listener whose default action forwards (weighted) to the two target groups. */
    listenerArn: elbArn('listener'),
    /** Blue-green: a listener that reaches the new service before the switch. */
    testListenerArn: elbArn('listener').optional(),
    /** Where the stable service is registered today. The two groups alternate: each release takes the idle one. */
    stableTargetGroupArn: elbArn('targetgroup'),
    canaryTargetGroupArn: elbArn('targetgroup'),
    /** Move traffic on this listener rule's forward action instead of the listener's default action. */
    ruleArn: elbArn('listener-rule').optional(),
  })
  .refine((lb) => lb.stableTargetGroupArn !== lb.canaryTargetGroupArn, {
    path: ['canaryTargetGroupArn'],
    message: 'the canary target group must differ from the stable one',
  });

export const EcsTargetSchema = z
  .strictObject({
    type: z.literal('ecs'),
    cluster: ecsCluster,
    /** The ECS service serving the stable version today (after a service-pair release: its name prefix). */
    service: ecsName('service'),
    /**
     * servicePair (default): the release runs as its own service `<service>-<release>` on the idle target group,
     * and the strategy moves traffic between the two. rolling: ECS's own rolling update of `service`.
     */
    deployment: z.enum(['servicePair', 'rolling']).default('servicePair'),
    taskDefinition: EcsTaskSettingsSchema,
    /** Tasks of the new service (default: the stable service's desired count). */
    desiredCount: z.number().int().min(1).optional(),
    loadBalancer: EcsLoadBalancerSchema.optional(),
    /** How long the new tasks may take to run and pass target health checks (1s to 24h). */
    readyTimeout: DurationRanges.readyTimeout.default('10m'),
    region,
  })
  .superRefine((t, ctx) => {
    if (t.deployment === 'servicePair' && !t.loadBalancer) {
      ctx.addIssue({
        code: 'custom',
        path: ['loadBalancer'],
        message: 'a servicePair deployment needs loadBalancer (listener and two target groups); or use deployment: rolling',
      });
    }
    if (t.deployment === 'rolling' && t.loadBalancer) {
      ctx.addIssue({
        code: 'custom',
        path: ['loadBalancer'],
        message: 'a rolling update keeps the service on its own target group; remove loadBalancer',
      });
    }
  });
export type EcsTarget = z.infer<typeof EcsTargetSchema>;

// ---- Kubernetes ----------------------------------------------------------------------------------------------

const k8sLabel = (what: string) =>
  z
    .string()
    .max(63, `${what} must be at most 63 characters`)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${what} must be lowercase letters, digits and '-' (a DNS label), e.g. "payments"`);
/** Deployments get "-canary" or "-<release>" appended, and Pod names a hash more: keep room for both. */
const k8sDeploymentName = k8sLabel('deployment').refine(
  (n) => n.length <= 47,
  'deployment must be at most 47 characters (release suffixes are appended)',
);
/** The path of a kubeconfig file, never its content: content would be stored in the workflow history. */
const KubeconfigPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !/[\r\n]/.test(p) && !/^\s*[{[]/.test(p) && !/:\s/.test(p), {
    message:
      "kubeconfig is the path of a kubeconfig file on the worker, e.g. /etc/glidepath/kubeconfig, never the file's " +
      'content (the plan is stored in the workflow history)',
  });
const k8sConnection = {
  /** A kubeconfig file on the worker (default: the worker's KUBECONFIG, ~/.kube/config, or its in-cluster service account). */
  kubeconfig: KubeconfigPath.optional(),
  /** A context of that kubeconfig (default: its current context). */
  context: z.string().min(1).optional(),
};

/** Canary traffic by Gateway API: the weights of an HTTPRoute's backendRefs to the two Services. */
const KubernetesGatewayRouteSchema = z
  .strictObject({
    /** The HTTPRoute whose rules send traffic to `stableService`. */
    name: k8sLabel('gatewayRoute.name'),
    /** Default: the target's namespace. */
    namespace: k8sLabel('gatewayRoute.namespace').optional(),
    /** Selects the stable pods (Glidepath pins its selector to the stable ReplicaSet). */
    stableService: k8sLabel('stableService'),
    /** Selects the canary pods (Glidepath sets its selector). */
    canaryService: k8sLabel('canaryService'),
  })
  .refine((r) => r.stableService !== r.canaryService, {
    path: ['canaryService'],
    message: 'the canary Service must differ from the stable one',
  });

const KubernetesTrafficSchema = z.union(
  [
    z.strictObject({ gatewayRoute: KubernetesGatewayRouteSchema }),
    /** The shared Service selects stable and canary pods alike; traffic follows the replica count. */
    z.strictObject({ replicaRatio: z.strictObject({ service: k8sLabel('replicaRatio.service').optional() }) }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'traffic needs either gatewayRoute (Gateway API weights) or replicaRatio' : undefined,
  },
);

export const KubernetesTargetSchema = z.strictObject({
  type: z.literal('kubernetes'),
  namespace: k8sLabel('namespace'),
  /** The stable Deployment (canary); blue-green: the name the first release starts from and later ones extend. */
  deployment: k8sDeploymentName,
  /** The container of the pod template that runs the release. */
  container: k8sLabel('container'),
  image: ImageReference,
  /** Pods of the release (default: the stable Deployment's replicas). */
  replicas: z.number().int().min(1).optional(),
  /** Canary traffic (default: replica ratio behind the shared Service). */
  traffic: KubernetesTrafficSchema.optional(),
  /** Blue-green: the Service that takes production traffic, and the one that reaches the new version first. */
  blueGreen: z
    .strictObject({ activeService: k8sLabel('activeService'), previewService: k8sLabel('previewService') })
    .refine((b) => b.activeService !== b.previewService, {
      path: ['previewService'],
      message: 'the preview Service must differ from the active one',
    })
    .optional(),
  /** The Deployment's progressDeadlineSeconds: a rollout that makes no progress this long fails (1s to 24h). */
  progressDeadline: DurationRanges.progressDeadline.default('10m'),
  ...k8sConnection,
});
export type KubernetesTarget = z.infer<typeof KubernetesTargetSchema>;

export const TargetSchema = z.discriminatedUnion('type', [LambdaTargetSchema, EcsTargetSchema, KubernetesTargetSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown target type; use "lambda", "ecs" or "kubernetes"' : undefined),
});
export type Target = z.infer<typeof TargetSchema>;
export type TargetType = Target['type'];

export const LambdaMigrationSchema = z.strictObject({
  type: z.literal('lambda'),
  /** A function that applies the migration. It receives `payload` plus `idempotencyKey`. */
  functionName: awsName,
  payload: z.record(z.string(), z.unknown()).default({}),
  timeout: DurationRanges.migrationTimeout.default('15m'),
  region,
});
export type LambdaMigration = z.infer<typeof LambdaMigrationSchema>;

export const EcsMigrationSchema = z.strictObject({
  type: z.literal('ecs'),
  cluster: ecsCluster,
  /** A one-off task definition: family, family:revision or ARN. */
  taskDefinition: z
    .string()
    .regex(
      /^([A-Za-z0-9_-]{1,255}(:\d+)?|arn:aws[a-z-]*:ecs:.+:task-definition\/.+)$/,
      'taskDefinition must be family, family:revision or ARN',
    ),
  overrides: z
    .strictObject({
      /** The container the overrides apply to (default: the task definition's first container). */
      containerName: ecsName('containerName').optional(),
      command: z.array(z.string()).min(1).optional(),
      environment: EcsEnvironment.optional(),
      /** Added to the container as a derived task definition revision: RunTask cannot override secrets. */
      secrets: z.array(EcsSecretRef).optional(),
    })
    .default({}),
  /** Default: the cluster's default capacity provider strategy. */
  launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL']).optional(),
  /** For awsvpc tasks (all Fargate tasks). */
  network: z
    .strictObject({
      subnets: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'a subnet id such as "subnet-0abc"')).min(1),
      securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id such as "sg-0abc"')).optional(),
      assignPublicIp: z.boolean().default(false),
    })
    .optional(),
  timeout: DurationRanges.migrationTimeout.default('15m'),
  region,
});
export type EcsMigration = z.infer<typeof EcsMigrationSchema>;

/** A Kubernetes Job, named after the idempotency key so that a retry finds the Job the first attempt created. */
export const KubernetesMigrationSchema = z.strictObject({
  type: z.literal('kubernetes'),
  namespace: k8sLabel('namespace'),
  image: ImageReference,
  command: z.array(z.string()).min(1),
  /** Plain values by name. Anything secret goes in `secretEnv` as a reference (the plan check refuses inline secrets). */
  env: z.record(envName, z.string()).optional(),
  /** Variables read from Secrets by name when the Pod starts; the plan and the workflow history hold only the reference. */
  secretEnv: z
    .array(
      z.strictObject({
        name: envName,
        secretName: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'secretName must be the name of a Secret')
          .max(253),
        key: z
          .string()
          .regex(/^[-._a-zA-Z0-9]+$/, 'key must be a key of the Secret')
          .max(253),
      }),
    )
    .optional(),
  serviceAccountName: k8sLabel('serviceAccountName').optional(),
  /** The Job's activeDeadlineSeconds: past it Kubernetes stops the Job and it fails. */
  timeout: DurationRanges.migrationTimeout.default('15m'),
  /** Retries of a failed Pod before the Job fails (default 0: a migration runs once). */
  backoffLimit: z.number().int().min(0).max(10).default(0),
  ...k8sConnection,
});
export type KubernetesMigration = z.infer<typeof KubernetesMigrationSchema>;

export const MigrationTaskSchema = z.discriminatedUnion('type', [LambdaMigrationSchema, EcsMigrationSchema, KubernetesMigrationSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown migration type; use "lambda", "ecs" or "kubernetes"' : undefined),
});
export type MigrationTask = z.infer<typeof MigrationTaskSchema>;
