/** The platforms and analysis providers this worker can drive, built from its environment. */
import type { ActivityDependencies } from '../activities';
import { createAnalyzer, defaultCloudWatchClients } from '../activities/analysis';
import { defaultEcsClients } from '../activities/ecs/clients';
import { ecsPlatform } from '../activities/ecs/ecs-platform';
import { defaultKubernetesClients } from '../activities/kubernetes/clients';
import { kubernetesPlatform } from '../activities/kubernetes/kubernetes-platform';
import { defaultLambdaClients, lambdaPlatform } from '../activities/lambda/lambda-platform';

export function dependenciesFromEnvironment(): ActivityDependencies {
  return {
    platforms: {
      lambda: lambdaPlatform(defaultLambdaClients()),
      ecs: ecsPlatform(defaultEcsClients()),
      kubernetes: kubernetesPlatform(defaultKubernetesClients()),
    },
    analyze: createAnalyzer({ cloudwatch: defaultCloudWatchClients() }),
    policyFile: process.env.GLIDEPATH_POLICY_FILE || undefined,
  };
}
