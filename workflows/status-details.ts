/** The Web UI's "Current Details" panel in markdown: where the run is, and what a person can do now. Workflow-safe. */
import type { DeploymentStatus } from './status';
import { statusFacts, statusHeading } from './status-facts';
import { actionText, measuredValue } from './status-text';

export function renderDetails(s: DeploymentStatus, workflowId: string): string {
  const heading = statusHeading(s);
  const lines = [`### ${heading.title}`, `*${heading.detail}*`];
  for (const fact of statusFacts(s, workflowId)) {
    const text = fact.markdown ?? fact.text;
    if (text) lines.push(fact.title ? `**${fact.title}:** ${text}` : text);
  }
  const measured = s.measurements.slice(-5);
  if (measured.length) {
    lines.push('', '| measured | analysis / metric | value | outcome |', '|---|---|---|---|');
    for (const m of measured) {
      const outcome = `${m.outcome}${m.message && m.outcome !== 'passed' ? `: ${m.message}` : ''}`;
      lines.push(`| ${m.at} | ${m.analysis} / ${m.metric} | ${measuredValue(m)} | ${outcome} |`);
    }
    // Analyses report here at most every 10 minutes (workflows/analysis-reports.ts); their own runs have every one.
    lines.push('', `The latest reported; every measurement is on the analysis's own run, \`${workflowId}/analysis/<name>\`.`);
  }
  const recent = s.actions.slice(-5);
  if (recent.length) {
    lines.push('', '| when | action |', '|---|---|');
    for (const a of recent) lines.push(`| ${a.at} | ${actionText(a)} |`);
  }
  return lines.join('\n');
}
