/**
 * Plans for the app test/support/kube.ts creates in a namespace (Deployment `web`, container `web`, release `r`
 * as image `imageOf(r)`), validated as the CLI does.
 */
import type { Plan } from '../../plan/schema';
import { imageOf } from './kube';
import { testPlan } from './plans';

/** Canary traffic by the HTTPRoute `web` of `createApp({ route: true, services: ['web-stable', 'web-canary'] })`. */
export const gatewayTraffic = { traffic: { gatewayRoute: { name: 'web', stableService: 'web-stable', canaryService: 'web-canary' } } };

/** Blue-green between the Services of `createApp({ services: ['web-active', 'web-preview'] })`. */
export const blueGreenServices = { blueGreen: { activeService: 'web-active', previewService: 'web-preview' } };

/** The plan's target for the app in `namespace`, as written in a plan; `extra` adds to it or overrides. */
export function kubeTargetInput(namespace: string, release: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'kubernetes', namespace, deployment: 'web', container: 'web', image: imageOf(release), ...extra };
}

/** A migration Job in `namespace` running `bin/migrate up` in `image`. */
export const kubeMigrationInput = (namespace: string, image: string, extra: Record<string, unknown> = {}) => ({
  type: 'kubernetes',
  namespace,
  image,
  command: ['bin/migrate', 'up'],
  ...extra,
});

/** A whole plan for the app in `namespace`; the namespace doubles as the service name, so each test has its own workflow ID. */
export function kubePlan(
  namespace: string,
  strategy: unknown,
  { release = 'v2', target = {}, migration }: { release?: string; target?: Record<string, unknown>; migration?: unknown } = {},
): Plan {
  return testPlan(namespace, release, kubeTargetInput(namespace, release, target), strategy, migration ? { migration } : {});
}
