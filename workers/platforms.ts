/** The platforms and analysis providers this worker can drive, built from its environment. */
import type { ActivityDependencies } from '../activities';
import { defaultLambdaClients, lambdaPlatform } from '../activities/lambda/lambda-platform';

export function dependenciesFromEnvironment(): ActivityDependencies {
  return {
    platforms: {
      lambda: lambdaPlatform(defaultLambdaClients()),
    },
  };
}
