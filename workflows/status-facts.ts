/**
 * The one model of what a run's status says, in order: each fact with its label and how each view says it. The
 * views (the Web UI's Current Details in markdown, `glidepath status` in text, `--follow` in one log line) only lay
 * these out, so a new status field is one entry here. Pure and workflow-safe: the workflow renders the details.
 */
import type { DeploymentStatus } from './status';
import {
  afterRunText,
  committedText,
  frozenText,
  gateCommand,
  gateText,
  notificationsText,
  outcomeText,
  phaseText,
  policyText,
  stepText,
  stuckText,
  trafficText,
} from './status-text';

export interface StatusFact {
  /** The CLI's label: `phase`, `waiting`. */
  label: string;
  /** The Web UI's label; absent, the markdown line stands on its own (an instruction, not a field). */
  title?: string;
  /** What `glidepath status` prints; absent, the text view leaves the fact out. */
  text?: string;
  /** The Web UI's markdown, where it differs from `text` (code spans, what to click). */
  markdown?: string;
  /** The fact in a few words on the `--follow` line; absent, the line leaves it out. */
  brief?: string;
  /** Needs a person: the text view says its label in capitals. */
  loud?: boolean;
}

const code = (text: string) => `\`${text}\``;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `ref`: how the views name the run in the commands they print: its workflow ID (the visibility query of the
 * notifications still being delivered needs it), or what the person typed for `--follow`.
 */
export function statusFacts(s: DeploymentStatus, ref: string): StatusFact[] {
  const facts: StatusFact[] = [
    { label: 'phase', title: 'Phase', text: phaseText(s), brief: phaseText(s).padEnd(17) },
    {
      label: 'step',
      title: 'Step',
      text: s.step && stepText(s.step),
      brief: s.step ? `step ${s.step.index}/${s.step.total}` : 'step -',
    },
    {
      label: 'traffic',
      title: 'Traffic on new version',
      text: trafficText(s),
      markdown: `${s.weight}%${versionsMarkdown(s)}`,
      brief: `traffic ${s.weight}%`,
    },
  ];
  if (s.migration) facts.push({ label: 'migration', title: 'Migration', text: s.migration });
  facts.push({ label: 'now', title: 'Now', text: s.message, brief: s.message });
  if (s.gate) facts.push(...gateFacts(s.gate, ref));
  if (s.committedAt && !s.outcome) facts.push({ label: 'committed', title: 'Committed', text: committedText(s) });
  else if (!s.outcome && s.phase !== 'RollingBack' && s.phase !== 'RollbackStuck')
    facts.push({
      label: 'to stop',
      markdown: 'To stop: signal `abort` with `{"by": "<you>", "reason": "<why>"}` (or Cancel): traffic returns to the stable version.',
    });
  if (s.frozen) {
    const until = s.frozen.until ? ` until ${s.frozen.until}` : '';
    facts.push({
      label: 'frozen',
      title: 'Frozen',
      text: frozenText(s.frozen),
      brief: `frozen by ${s.frozen.scope}${until}`,
      loud: true,
    });
  }
  if (s.policy) facts.push({ label: 'policy', title: 'Policy', text: policyText(s.policy), brief: `policy ${s.policy.version}` });
  if (s.stuck) {
    facts.push(
      { label: 'stuck', title: 'Rollback stuck', text: stuckText(s.stuck), loud: true },
      { label: 'to do', title: 'To do', text: s.stuck.remedy, brief: `→ ${s.stuck.remedy}` },
    );
  }
  if (s.outcome) facts.push({ label: 'outcome', title: 'Outcome', text: outcomeText(s.outcome) });
  const warnings = [...(s.warnings ?? []), ...(s.notifications?.failed ? [notificationsText(s.notifications)] : [])];
  // The line only counts them: each is a sentence, and `status` (or the end of `--follow`) prints it whole.
  warnings.forEach((w, i) => {
    facts.push({ label: 'warning', title: 'Warning', text: w, brief: i === 0 ? `⚠ ${plural(warnings.length, 'warning')}` : undefined });
  });
  const afterRun = s.notifications?.afterRun;
  if (afterRun) {
    facts.push({
      label: 'notify',
      title: 'Notifications',
      text: afterRunText(afterRun, ref),
      brief: `${plural(afterRun, 'notification')} still being delivered`,
    });
  }
  return facts;
}

function versionsMarkdown(s: DeploymentStatus): string {
  if (!s.stableVersion && !s.candidateVersion) return '';
  return ` (stable ${code(s.stableVersion ?? '?')} → new ${code(s.candidateVersion ?? '?')})`;
}

/** The gate, and how to answer it: the Web UI shows the update to send, the line the command. */
function gateFacts(gate: NonNullable<DeploymentStatus['gate']>, ref: string): StatusFact[] {
  const command = gateCommand(gate, ref);
  const verb = gate.kind === 'approval' ? 'approve' : 'promote';
  const answer = gate.signed
    ? `Answers must be signed: ${code(`${command} --by <you> --reason "..."`)} (the Web UI cannot sign).`
    : `Send update ${code(verb)} with ${code('{"by": "<you>", "reason": "<why>"}')}, ` +
      `or ${code(`${command} --by <you> --reason "..."`)}.`;
  return [
    {
      label: 'waiting',
      title: 'Waiting for',
      text: gateText(gate),
      markdown: gateText(gate, code),
      brief: `→ waiting for ${gateText(gate)}: ${command}`,
    },
    { label: 'answer', markdown: answer },
  ];
}

/** What the run is (`payments → prod @ v2`), and how it goes out (`canary, lambda payments:live`): every view's heading. */
export function statusHeading(s: DeploymentStatus): { title: string; detail: string } {
  return { title: `${s.service} → ${s.environment} @ ${s.release}`, detail: `${s.strategy}, ${s.target}` };
}
