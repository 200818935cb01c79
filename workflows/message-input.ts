/**
 * The JSON people send with abort, pause, resume, approve, reject and promote, checked by hand: these run in
 * update validators and signal handlers of every workflow, so they must stay small (no schema library in workflow
 * code) and synchronous. `by` and `reason` follow the readable-text rule of plan/readable-text.ts.
 */
import { joinIssues } from '../plan/issue-list';
import { MAX_NAME_LENGTH, MAX_REASON_LENGTH } from '../plan/limits';
import { readableTextProblem } from '../plan/readable-text';
import type { ApprovalSignature } from './approval-payload';
import { MAX_ARMORED_LENGTH, isArmoredSshSignature } from './sshsig';

export interface ActionInput {
  by: string;
  reason?: string;
}
export interface Action {
  by: string;
  reason: string;
}
export interface ApprovalInput extends ActionInput {
  /** The gate being answered; when given it must be the one the plan waits at. */
  gate?: string;
  /** Required where a policy rule requires signed approvals (see approval-signatures.ts). */
  signature?: ApprovalSignature;
}
export interface ApprovalAnswer extends Action {
  gate?: string;
  signature?: ApprovalSignature;
}
export interface PromoteInput extends ActionInput {
  /** Skip every remaining step and go straight to 100%. */
  full?: boolean;
}
export interface PromoteRequest extends Action {
  full: boolean;
}

export interface InputIssue {
  /** The field at fault; empty for the input as a whole. */
  path: string[];
  message: string;
}
export type Checked<T> = { success: true; data: T; error?: undefined } | { success: false; error: { issues: InputIssue[] } };

const typeName = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

function fields(input: unknown, extra: (record: Record<string, unknown>, issues: InputIssue[]) => void): InputIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ path: [], message: `expected an object like {"by": "<your name>", "reason": "<why>"}, received ${typeName(input)}` }];
  }
  const record = input as Record<string, unknown>;
  const issues: InputIssue[] = [];
  const { by, reason } = record;
  if (by === undefined || by === '') issues.push({ path: ['by'], message: 'say who you are: "by" is required' });
  else if (typeof by !== 'string') issues.push({ path: ['by'], message: `"by" is text, received ${typeName(by)}` });
  else {
    const problem = readableTextProblem('"by"', MAX_NAME_LENGTH, by);
    if (problem) issues.push({ path: ['by'], message: problem });
  }
  if (reason !== undefined) {
    if (typeof reason !== 'string') issues.push({ path: ['reason'], message: `"reason" is text, received ${typeName(reason)}` });
    else {
      const problem = readableTextProblem('"reason"', MAX_REASON_LENGTH, reason);
      if (problem) issues.push({ path: ['reason'], message: problem });
    }
  }
  extra(record, issues);
  return issues;
}

const action = (record: Record<string, unknown>): Action => ({
  by: record.by as string,
  reason: (record.reason as string | undefined) ?? '',
});

/** `{by, reason}`: who acts and why (reason defaults to ""). */
export function checkAction(input: unknown): Checked<Action> {
  const issues = fields(input, () => undefined);
  return issues.length > 0 ? { success: false, error: { issues } } : { success: true, data: action(input as Record<string, unknown>) };
}

/** `{by, reason, gate?, signature?}`: an answer to an approval gate. */
export function checkApproval(input: unknown): Checked<ApprovalAnswer> {
  const issues = fields(input, (record, found) => {
    if (record.gate !== undefined && typeof record.gate !== 'string') {
      found.push({ path: ['gate'], message: `"gate" is a gate's name, received ${typeName(record.gate)}` });
    }
    if (record.signature !== undefined) found.push(...signatureIssues(record.signature));
  });
  if (issues.length > 0) return { success: false, error: { issues } };
  const record = input as Record<string, unknown>;
  const { sig, key, signedAt } = (record.signature ?? {}) as ApprovalSignature;
  return {
    success: true,
    data: {
      ...action(record),
      ...(record.gate !== undefined ? { gate: record.gate as string } : {}),
      ...(record.signature !== undefined ? { signature: { sig, key, signedAt } } : {}),
    },
  };
}

const SIGNATURE_JSON =
  '{"sig": "-----BEGIN SSH SIGNATURE-----…", "key": "SHA256:…", "signedAt": "<ISO time>"} (glidepath approve --sign-key makes it)';

/** Shapes only: whether the signature verifies is the validator's question (approval-signatures.ts). */
function signatureIssues(signature: unknown): InputIssue[] {
  if (typeof signature !== 'object' || signature === null || Array.isArray(signature))
    return [{ path: ['signature'], message: `expected ${SIGNATURE_JSON}, received ${typeName(signature)}` }];
  const { sig, key, signedAt } = signature as Record<string, unknown>;
  const issues: InputIssue[] = [];
  // Only the shape: an armored SSH signature is read and checked by the validator, which names what is wrong with it.
  const armored = typeof sig === 'string' && isArmoredSshSignature(sig) && sig.length <= MAX_ARMORED_LENGTH;
  if (typeof sig !== 'string' || !(armored || /^[A-Za-z0-9+/]{86}==$/.test(sig)))
    issues.push({
      path: ['signature', 'sig'],
      message:
        'an SSH signature as ssh-keygen -Y sign -n glidepath-approval writes it ' +
        `("-----BEGIN SSH SIGNATURE-----", at most ${MAX_ARMORED_LENGTH} characters), ` +
        'or a bare ed25519 signature: 64 bytes, base64 (88 characters)',
    });
  if (typeof key !== 'string' || !/^SHA256:[A-Za-z0-9+/]{43}$/.test(key))
    issues.push({
      path: ['signature', 'key'],
      message: 'the signing key\'s fingerprint, "SHA256:" and 43 base64 characters (ssh-keygen -lf prints it)',
    });
  if (typeof signedAt !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(signedAt) || Number.isNaN(Date.parse(signedAt)))
    issues.push({ path: ['signature', 'signedAt'], message: 'when it was signed, an ISO time in UTC, e.g. "2026-11-28T10:00:00.000Z"' });
  return issues;
}

/** `{by, reason, full?}`: a promotion, of one step or (full) of every remaining one. */
export function checkPromote(input: unknown): Checked<PromoteRequest> {
  const issues = fields(input, (record, found) => {
    if (record.full !== undefined && typeof record.full !== 'boolean') {
      found.push({ path: ['full'], message: `"full" is true or false, received ${typeName(record.full)}` });
    }
  });
  if (issues.length > 0) return { success: false, error: { issues } };
  const record = input as Record<string, unknown>;
  return { success: true, data: { ...action(record), full: record.full === true } };
}

/** The checked input, or an Error naming each field to fix (an update validator throws it to refuse the update). */
export function checkedOrThrow<T>(checked: Checked<T>): T {
  if (checked.success) return checked.data;
  throw new Error(joinIssues(checked.error.issues));
}
