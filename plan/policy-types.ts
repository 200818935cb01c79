/**
 * The policies that apply to one run, as the `loadPolicy` activity hands them to the workflow: plain data,
 * recorded in the run's history with the policy version. Pure types: imported by workflow code.
 */
import type { NotificationSink } from './notifications';

/** Which runs a rule applies to: globs (`*` any text) on service, environment and system; a missing one matches all. */
export interface PolicyMatch {
  service?: string;
  environment?: string;
  system?: string;
}

/** A gate the run waits at before traffic moves: `count` distinct people from `approvers`. */
export interface PolicyApproval {
  rule: string;
  gate: string;
  count: number;
  groups: string[];
  /** Every member of the groups, resolved by the activity. */
  approvers: string[];
  /** Whoever requested the run cannot approve it (also at the plan's own approval gates). */
  fourEyes: boolean;
  timeout: string;
  /** Set when the rule requires signed answers: each approver's public keys (see workflows/approval-signatures.ts). */
  signers?: Record<string, SignerKey[]>;
}

/** A public key that signs approvals: public, so it may be recorded in the run's history. */
export interface SignerKey {
  /** The raw 32-byte ed25519 key, base64. */
  key: string;
  /** "SHA256:…", as `ssh-keygen -lf` prints it: how messages and the action record name the key. */
  fingerprint: string;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** When a run may start moving traffic, in a time zone. */
export interface DeployWindow {
  rule: string;
  days: Weekday[];
  /** "HH:MM", local time in `timeZone`. */
  from: string;
  /** "HH:MM" after `from`; "24:00" is the end of the day. */
  to: string;
  timeZone: string;
  /** Outside the window: wait for it (a durable timer), or refuse the run. */
  outside: 'wait' | 'refuse';
}

export interface ScheduledFreeze {
  rule: string;
  /** ISO instants. */
  from: string;
  to: string;
  reason: string;
}

export interface Guardrails {
  rule: string;
  requireAnalysis?: boolean;
  maxFirstWeight?: number;
}

/** An emergency freeze, set with `glidepath freeze` and held by the freeze workflow. */
export interface EmergencyFreeze {
  environment: string;
  /** Absent: every service of the environment. */
  service?: string;
  reason: string;
  by: string;
  at: string;
}

/** A rule that refuses the run, and why. */
export interface PolicyBlock {
  rule: string;
  reason: string;
}

export interface AppliedPolicy {
  /** sha256 of the policy file (first 12 hex digits), or "none" when the worker has no policy file. */
  version: string;
  /** Names of the rules that matched this run. */
  rules: string[];
  approvals: PolicyApproval[];
  window?: DeployWindow;
  freezes: ScheduledFreeze[];
  guardrails: Guardrails[];
  /** Emergency freezes in this run's scope when it started. */
  emergency: EmergencyFreeze[];
  /** Set when a rule refuses the run outright. */
  blocked?: PolicyBlock;
  /**
   * Set when a rule that requires signed approvals matches the run: every approval gate of the run (the plan's own
   * too) takes only answers signed with a key in `signers`, every signer's (absent in runs started before it).
   */
  signing?: { rule: string; signers: Record<string, SignerKey[]> };
  /** Set with `blocked` when only a freeze (emergency or scheduled) refuses the run: a release's target holds instead. */
  frozenOnly?: boolean;
  /** The webhook sinks whose `match` covers this run (absent in histories of runs started before notifications). */
  notifications?: NotificationSink[];
}

/** The answer of the `deployWindow` activity. */
export interface WindowState {
  open: boolean;
  /** When open: when this opening closes, an ISO instant (absent in answers recorded before it was given). */
  closesAt?: string;
  /** When closed: the next opening, an ISO instant, and as people read it ("Mon 09:00 CET"). */
  opensAt?: string;
  opensLabel?: string;
}
