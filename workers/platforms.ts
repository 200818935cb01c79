/**
 * The platforms and analysis providers this worker can drive, built from its environment. Each loads its module
 * (and its client library: the Kubernetes client alone takes seconds) on its first call, so a worker starts polling
 * without them and loads only those its plans use.
 */
import type { ActivityDependencies } from '../activities';
import { type AnalysisInput, type AnalysisResult, PLATFORM_METHODS, type Platform } from '../activities/types';
import { webUiLink } from '../connection/temporal';
import { policyFilePath } from '../plan/policy-load';

function loadedOnFirstCall(load: () => Platform): Platform {
  let platform: Platform | undefined;
  const call = (method: keyof Platform) => (input: never) => {
    platform ??= load();
    return (platform[method] as (input: never) => Promise<unknown>)(input);
  };
  return Object.fromEntries(PLATFORM_METHODS.map((method) => [method, call(method)])) as unknown as Platform;
}

export function dependenciesFromEnvironment(): ActivityDependencies {
  let analyze: ((input: AnalysisInput) => Promise<AnalysisResult>) | undefined;
  return {
    platforms: {
      lambda: loadedOnFirstCall(() => {
        const { defaultLambdaClients, lambdaPlatform } =
          require('../activities/lambda/lambda-platform') as typeof import('../activities/lambda/lambda-platform');
        return lambdaPlatform(defaultLambdaClients());
      }),
      ecs: loadedOnFirstCall(() => {
        const { defaultEcsClients } = require('../activities/ecs/clients') as typeof import('../activities/ecs/clients');
        const { ecsPlatform } = require('../activities/ecs/ecs-platform') as typeof import('../activities/ecs/ecs-platform');
        return ecsPlatform(defaultEcsClients());
      }),
      kubernetes: loadedOnFirstCall(() => {
        const { defaultKubernetesClients } =
          require('../activities/kubernetes/clients') as typeof import('../activities/kubernetes/clients');
        const { kubernetesPlatform } =
          require('../activities/kubernetes/kubernetes-platform') as typeof import('../activities/kubernetes/kubernetes-platform');
        return kubernetesPlatform(defaultKubernetesClients());
      }),
    },
    analyze: (input) => {
      if (!analyze) {
        const { createAnalyzer, defaultCloudWatchClients } = require('../activities/analysis') as typeof import('../activities/analysis');
        analyze = createAnalyzer({ cloudwatch: defaultCloudWatchClients() });
      }
      return analyze(input);
    },
    policyFile: policyFilePath(),
    notifications: { env: process.env, webUiLink },
  };
}
