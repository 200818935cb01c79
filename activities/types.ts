/**
 * The contract between workflows and platforms. Workflows import these types only; each platform
 * (activities/lambda, activities/ecs, activities/kubernetes) implements `Platform` behind them, built from a
 * workload and a traffic router (activities/workload.ts, activities/traffic-router.ts).
 *
 * Every operation is idempotent: a worker that crashes mid-call and runs it again leaves the same state.
 */
import type { Analysis, AnalysisOutcome } from '../plan/analysis';
import type { AnalysisProgress } from './analysis/progress';
import type { NotificationSink } from '../plan/notifications';
import type { PlannedStage } from '../plan/release-stages';
import type { Release } from '../plan/release-schema';
import type { AppliedPolicy } from '../plan/policy-types';
import type { Metadata, Plan } from '../plan/schema';
import type { MigrationTask, Target } from '../plan/targets';

/** One measurement of an analysis, as the status shows it (bounded list). */
export interface MeasurementRecord {
  analysis: string;
  metric: string;
  value?: number;
  outcome: 'passed' | 'failed' | 'inconclusive' | 'error';
  at: string;
  message?: string;
}

/**
 * Candidate.data as stored: text only. Candidates are kept in workflow histories (and, on Kubernetes, in an
 * annotation), so the shape stays the one runs in flight carry; each platform reads it with its own decoder.
 */
export type CandidateData = Record<string, string>;

/** The new version deployed beside the stable one, as the platform names them. */
export interface Candidate {
  stableVersion: string;
  candidateVersion: string;
  /**
   * The release is the live one already (an earlier run promoted it): every call after deploy leaves it alone.
   * Absent on candidates recorded before this field; the platform then tells from `data` (activities/workload.ts).
   */
  unchanged?: boolean;
  /** Platform-specific names (services, target groups, Deployments) needed by later calls. */
  data: CandidateData;
}

export interface DeployInput {
  target: Target;
  metadata: Metadata;
  strategy: 'canary' | 'blueGreen';
}

export interface CandidateInput {
  target: Target;
  metadata: Metadata;
  candidate: Candidate;
}

export interface RollbackInput {
  target: Target;
  metadata: Metadata;
  candidate?: Candidate;
}

export interface TrafficInput extends CandidateInput {
  /** Percent of traffic for the new version, 0-100. */
  weight: number;
}

export interface MigrationInput {
  task: MigrationTask;
  /** Stable across retries and crashes: the platform runs a migration at most once per key. */
  idempotencyKey: string;
  metadata: Metadata;
}

export interface MigrationResult {
  /** False when an earlier attempt already applied this key and nothing ran now. */
  ran: boolean;
  output?: string;
}

export interface AnalysisInput {
  analysis: Analysis;
  variables: Record<string, string>;
  /** The name measurements carry (the workflow's gate name). */
  name?: string;
  /** Continue from an earlier call's `progress` (analyses run in chunks). */
  progress?: AnalysisProgress;
  /** Return with `done: false` once this long has passed and the outcome is not decided yet. */
  returnAfterMs?: number;
}

export interface AnalysisResult {
  outcome: AnalysisOutcome;
  /** The measurements taken in this call. */
  measurements: MeasurementRecord[];
  message: string;
  /** False when the call returned at `returnAfterMs` with metrics still measuring. */
  done: boolean;
  progress: AnalysisProgress;
}

/** What a platform adapter does; `activities/index.ts` turns it into Temporal activities. */
export interface Platform {
  /** Create the new version beside the stable one, with no traffic. Quick: it does not wait for readiness. */
  deployCandidate(input: DeployInput): Promise<Candidate>;
  /** Wait until the new version can take traffic; heartbeats, and fails with the reason past its deadline. */
  waitCandidateReady(input: CandidateInput): Promise<void>;
  /** Blue-green: make the new version reachable on its preview endpoint. */
  previewCandidate(input: CandidateInput): Promise<void>;
  /** Canary: give the new version `weight`% of traffic (100 = all of it, the stable one still kept). */
  setTrafficWeight(input: TrafficInput): Promise<void>;
  /** Make the new version the stable one with all traffic; the previous version is kept for a switch back. */
  promoteCandidate(input: CandidateInput): Promise<void>;
  /**
   * All traffic back on the previous version and the new version removed. Safe to run at any point, twice.
   * Without a candidate (the deploy call never returned) it removes whatever this release created.
   */
  rollBack(input: RollbackInput): Promise<void>;
  /** After promotion and the scale-down delay: remove what remains of the previous version. */
  retirePrevious(input: CandidateInput): Promise<void>;
  /** Run a one-off migration task to completion; throws on failure. */
  runMigration(input: MigrationInput): Promise<MigrationResult>;
}

/** Every Platform method, for code that wraps a platform call by call (a lazy loader, a test double). */
export const PLATFORM_METHODS = [
  'deployCandidate',
  'waitCandidateReady',
  'previewCandidate',
  'setTrafficWeight',
  'promoteCandidate',
  'rollBack',
  'retirePrevious',
  'runMigration',
] as const satisfies ReadonlyArray<keyof Platform>;

/** A release workflow's input, checked: the release with its defaults, and the stages it runs. */
export interface CheckedRelease {
  release: Release;
  stages: PlannedStage[];
  /** The policy's sinks for the release's own events, by stage environment (activities/release-sinks.ts). */
  notifications?: Record<string, NotificationSink[]>;
}

/** A run's start, checked in one call: the plan as it came, and what the policies need to know. */
export interface CheckRunInput {
  plan: unknown;
  /** The release's system, when a release runs this deployment. */
  system?: string;
  /** The workflow's time (ms since the epoch). */
  nowMs: number;
}

/** The plan checked with its defaults, and the policies that apply to it (with the emergency freezes' version). */
export interface CheckedRun {
  plan: Plan;
  policy: AppliedPolicy & { freezeVersion: number };
}

/** The activities workflows call: the platform's calls (PLATFORM_METHODS), and these. */
export interface DeploymentActivities extends Platform {
  /** The plan with every rule checked and defaults filled in; InvalidPlan (non-retryable) names what is wrong. */
  checkPlan(input: unknown): Promise<Plan>;
  /** checkPlan, then the policy's loadPolicy: one local activity at a run's start (workflows/lean-history.ts). */
  checkRun(input: CheckRunInput): Promise<CheckedRun>;
  /** The release with defaults filled in and its stages planned; InvalidRelease (non-retryable) names what is wrong. */
  checkRelease(input: unknown): Promise<CheckedRelease>;
  runAnalysis(input: AnalysisInput): Promise<AnalysisResult>;
}
