/** The `audit` command of the glidepath CLI; it loads what it needs when it runs (starters/cli.ts). */
import type { Command } from 'commander';

export function addAuditCommand(program: Command): void {
  program
    .command('audit')
    .argument('<ref>', 'service/environment, a workflow ID, release:<system> (with its deployments) or <system>@<version>')
    .option('--since <when>', 'only decisions from then on: a time back (7d, 12h, 30m) or an ISO 8601 time')
    .option('--format <format>', 'table (default), json (JSON Lines: one object per decision) or csv (RFC 4180)')
    .description(
      'every decision in the history of every run in retention: who, when, why, which gate, which policy rule, the result and the outcome',
    )
    .action(async (ref: string, opts: { since?: string; format?: string }) => {
      const { audit, checkFormat } = require('./audit') as typeof import('./audit');
      const { auditScope, parseSince } = require('./audit-runs') as typeof import('./audit-runs');
      checkFormat(opts.format); // bad input fails before connecting
      auditScope(ref, parseSince(opts.since));
      const { connectClient } = require('./client') as typeof import('./client');
      await audit(await connectClient(), ref, opts);
    });
}
