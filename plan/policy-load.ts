/**
 * Reading the policy file: YAML (the plans' reader and limits) → zod → a Policy with its version, the first
 * 12 hex digits of the file's sha256. Errors are a PlanError naming the field. Worker and CLI only.
 */
import { describeIssue } from './issue-text';
import { PlanError } from './plan-error';
import { decodePlanText, readPlanBytes } from './plan-text';
import { type Policy, PolicySchema } from './policy-schema';
import { sha256Hex } from './sha256-hex';
import { parsePlanDocument } from './yaml-document';

export interface LoadedPolicy {
  policy: Policy;
  version: string;
  file: string;
}

export function loadPolicyFile(file: string): LoadedPolicy {
  const bytes = readPlanBytes(file);
  const text = decodePlanText(bytes, file);
  const doc = parsePlanDocument(text, file).value;
  const result = PolicySchema.safeParse(doc, { reportInput: true });
  if (!result.success)
    throw new PlanError(
      `${file} (policy)`,
      result.error.issues.flatMap((issue) => describeIssue(issue)),
    );
  return { policy: result.data, version: sha256Hex(bytes, 12), file };
}

/** The worker's and the CLI's policy, from GLIDEPATH_POLICY_FILE; undefined when none is configured. */
export function configuredPolicy(env: NodeJS.ProcessEnv = process.env): LoadedPolicy | undefined {
  const file = policyFilePath(env);
  return file ? loadPolicyFile(file) : undefined;
}

/** GLIDEPATH_POLICY_FILE, unless unset or `none` (no policy, on purpose: the worker then says nothing about it). */
export function policyFilePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.GLIDEPATH_POLICY_FILE;
  return file && file !== 'none' ? file : undefined;
}
