/**
 * Emergency freezes: `glidepath freeze` and `unfreeze` send updates to the one freeze workflow of a task queue,
 * which broadcasts the list to the running deployments of the environments concerned (signal `freezes`).
 * Workflow-safe: no zod; the validators check the input by hand.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EmergencyFreeze } from '../plan/policy-types';

export interface FreezeRequest {
  environment: string;
  service?: string;
  by: string;
  reason: string;
}

/** Every emergency freeze; a deployment keeps the broadcast with the highest version. */
export interface FreezeBroadcast {
  version: number;
  freezes: EmergencyFreeze[];
}

export interface FreezeState extends FreezeBroadcast {
  /** Environments whose freeze was lifted and whose deployments have not been told yet. */
  lifted: string[];
}

export interface FreezeReceipt {
  accepted: string;
  freezes: EmergencyFreeze[];
}

export const freezeUpdate = defineUpdate<FreezeReceipt, [FreezeRequest]>('freeze');
export const unfreezeUpdate = defineUpdate<FreezeReceipt, [FreezeRequest]>('unfreeze');
export const freezesQuery = defineQuery<FreezeState>('freezes');
/** Freeze workflow → deployments: the current emergency freezes. */
export const freezesSignal = defineSignal<[FreezeBroadcast]>('freezes');

/** One freeze workflow per task queue: the workers of that queue enforce its freezes. */
export const freezeWorkflowId = (taskQueue: string) => `freezes:${taskQueue}`;

export const freezeDescriptions = {
  freeze:
    'Freeze an environment (or one service in it): new deployments are refused, running ones hold at their next ' +
    'step. Input: {"environment": "prod", "service": "<optional>", "by": "<you>", "reason": "<why>"}',
  unfreeze:
    'Lift a freeze set with "freeze" (same environment and service). Input: {"environment": "prod", "service": ' +
    '"<optional>", "by": "<you>", "reason": "<why>"}',
  freezes: 'The emergency freezes in force.',
  broadcast: "The emergency freezes in force (sent by Glidepath's freeze workflow, not by people).",
} as const;

/** The scope a freeze request names, as status lines print it: `prod` or `prod/payments`. */
export const freezeScope = (f: { environment: string; service?: string }) => `${f.environment}${f.service ? `/${f.service}` : ''}`;

const NAME = /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/;
/** Control, zero-width and text-direction characters: a status line or the UI could be spoofed with them. */
const unreadable = (text: string) =>
  [...text].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0x200b && code <= 0x200f) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069) ||
      code === 0xfeff
    );
  });

/** Throws with the reason when a request is not one the freeze workflow accepts. */
export function checkFreezeRequest(input: unknown): asserts input is FreezeRequest {
  const r = input as Partial<FreezeRequest> | undefined;
  if (typeof r !== 'object' || r === null) throw new Error('input: expected {"environment", "service"?, "by", "reason"}');
  if (typeof r.environment !== 'string' || !NAME.test(r.environment) || r.environment.length > 63)
    throw new Error('environment: a name such as "prod" (lowercase letters, digits, "-", "*" for any text)');
  if (r.service !== undefined && (typeof r.service !== 'string' || !NAME.test(r.service) || r.service.length > 63))
    throw new Error('service: a name such as "payments"');
  if (typeof r.by !== 'string' || r.by.length === 0 || r.by.length > 128 || unreadable(r.by))
    throw new Error('by: say who you are, in plain text (at most 128 characters)');
  if (typeof r.reason !== 'string' || r.reason.trim().length === 0 || r.reason.length > 1000 || unreadable(r.reason))
    throw new Error('reason: say why, in plain text (at most 1000 characters)');
}
