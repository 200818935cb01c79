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

/** A field of a freeze request that cannot be used: which one, and why with the fix. */
export interface FreezeRequestProblem {
  field: 'input' | keyof FreezeRequest;
  problem: string;
}

function nameProblem(value: unknown, kind: string, example: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `missing: name the ${kind}, e.g. "${example}"`;
  if (!NAME.test(value) || value.length > 63)
    return (
      `${JSON.stringify(value)} is not a${kind === 'environment' ? 'n' : ''} ${kind} name: use lowercase ` +
      `letters, digits and "-" ("*" matches any text), at most 63 characters, e.g. "${example}"`
    );
  return undefined;
}

function textProblem(value: unknown, max: number, ask: string): string | undefined {
  if (typeof value !== 'string' || value.trim().length === 0) return `empty: ${ask}`;
  if (value.length > max) return `${value.length} characters: at most ${max}`;
  if (unreadable(value)) return 'has a control, zero-width or text-direction character: write it in plain text';
  return undefined;
}

/**
 * What is wrong with a freeze request, if anything: the same rules for the freeze workflow's update validators
 * and for `glidepath freeze` / `unfreeze`, which check before they send anything.
 */
export function freezeRequestProblem(input: unknown): FreezeRequestProblem | undefined {
  const r = input as Partial<FreezeRequest> | undefined;
  if (typeof r !== 'object' || r === null) return { field: 'input', problem: 'expected {"environment", "service"?, "by", "reason"}' };
  const problems: Array<[FreezeRequestProblem['field'], string | undefined]> = [
    ['environment', nameProblem(r.environment, 'environment', 'prod')],
    ['service', r.service === undefined ? undefined : nameProblem(r.service, 'service', 'payments')],
    ['by', textProblem(r.by, 128, 'say who you are')],
    ['reason', textProblem(r.reason, 1000, 'say why, e.g. "incident 42"')],
  ];
  const [field, problem] = problems.find(([, p]) => p !== undefined) ?? [];
  return field && problem ? { field, problem } : undefined;
}

/** Throws with the reason when a request is not one the freeze workflow accepts. */
export function checkFreezeRequest(input: unknown): asserts input is FreezeRequest {
  const found = freezeRequestProblem(input);
  if (found) throw new Error(`${found.field}: ${found.problem}`);
}
