/**
 * The search attributes a deployment run starts with, the same whether CI started it or a release did. They are
 * stored and shown in plain text (they are how runs are found, and a codec cannot encrypt them), so they hold
 * nothing secret: the target as described, less any ARN's account and region. Pure: starters and workflow code.
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { Plan } from '../plan/schema';
import type { Target } from '../plan/targets';
import { describeTarget, strategyLabel } from './describe';
import {
  DeployEnvironment,
  DeployPhase,
  DeployRelease,
  DeployService,
  DeployStrategy,
  DeployTarget,
  DeployWeight,
} from './search-attributes';

export function searchableTarget(target: Target): string {
  // A regex literal here is a new object at each call: a shared workflow module keeps no `g` regex of its own.
  return describeTarget(target).replace(/arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[A-Za-z-]+\//g, '');
}

export function deploymentStartAttributes(plan: Plan): SearchAttributePair[] {
  return [
    { key: DeployService, value: plan.metadata.service },
    { key: DeployEnvironment, value: plan.metadata.environment },
    { key: DeployRelease, value: plan.metadata.release },
    { key: DeployStrategy, value: strategyLabel(plan) },
    { key: DeployTarget, value: searchableTarget(plan.target) },
    { key: DeployPhase, value: 'Starting' },
    { key: DeployWeight, value: 0 },
  ];
}
