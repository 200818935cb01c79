/** What a Kubernetes canary asks of its router, beyond the common four calls. */
import type { TrafficRouter } from '../traffic-router';

export interface CanaryRouter extends TrafficRouter {
  /** Before the stable Deployment rolls (to the new version on promotion, back on rollback): the canary serves. */
  canaryServesWhileStableRolls(): Promise<void>;
  /** After the stable Deployment rolled to the new version: the stable route, pinned again, serves everything. */
  stableServesAgain(): Promise<void>;
}
