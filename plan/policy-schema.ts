/**
 * The policy file a platform team owns and the worker loads (GLIDEPATH_POLICY_FILE): groups of people, and
 * rules selected by service / environment / system globs. Validated with zod in the worker and the CLI, never
 * in workflow code (runs get the resolved rules from the `loadPolicy` activity).
 */
import { z } from 'zod';
import { DurationRanges } from './duration-schema';
import { MAX_NAME_LENGTH } from './limits';
import { NotificationSinkSchema } from './notification-schema';
import { readableText } from './readable-text-schema';
import { parseSshPublicKey } from './ssh-public-key';

export const POLICY_KIND = 'Policy';

const Glob = z.string().min(1).max(128);
const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time of day is "HH:MM", e.g. "09:00" (24:00 is the end of the day)');
const Instant = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'a time is ISO 8601, e.g. "2026-12-20T00:00:00+01:00"');

const TimeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone, e.g. "Europe/Berlin" or "UTC"');

export const WeekdaySchema = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

const ApprovalRule = z.strictObject({
  /** Distinct approvers needed. */
  count: z.number().int().min(1).max(10).default(1),
  /** Groups (from `groups`) whose members may approve. */
  from: z.array(z.string()).min(1),
  /** Whoever requested the run cannot approve it. */
  fourEyes: z.boolean().default(true),
  timeout: DurationRanges.approvalTimeout.default('24h'),
  /** The gate's name (default `policy:<rule>`). */
  gate: z.string().max(MAX_NAME_LENGTH).optional(),
  /** Answers must be signed with a key of the approver's in `signers` (`glidepath approve --sign-key`). */
  requireSignature: z.boolean().default(false),
});

/** A line of an approver's `~/.ssh/id_ed25519.pub`. */
const SignerKey = z.string().superRefine((line, ctx) => {
  const parsed = parseSshPublicKey(line);
  if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
});

const WindowRule = z
  .strictObject({
    days: z.array(WeekdaySchema).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
    from: Clock,
    to: Clock,
    timeZone: TimeZone.default('UTC'),
    outside: z.enum(['wait', 'refuse']).default('wait'),
  })
  .refine((w) => w.from < w.to, { message: 'the window must end after it opens on the same day ("to" later than "from")', path: ['to'] });

const FreezeRule = z
  .strictObject({ from: Instant, to: Instant, reason: readableText('reason', 1000).min(1) })
  .refine((f) => Date.parse(f.from) < Date.parse(f.to), { message: 'a freeze ends after it starts', path: ['to'] });

const GuardrailRule = z.strictObject({
  /** Every plan needs at least one analysis step. */
  requireAnalysis: z.boolean().optional(),
  /** The first traffic weight a canary sets is at most this percent. */
  maxFirstWeight: z.number().int().min(1).max(100).optional(),
});

export const PolicyRuleSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a rule name is letters, digits, ".", "_" and "-"'),
  match: z.strictObject({ service: Glob.optional(), environment: Glob.optional(), system: Glob.optional() }).default({}),
  approvals: ApprovalRule.optional(),
  window: WindowRule.optional(),
  freezes: z.array(FreezeRule).default([]),
  guardrails: GuardrailRule.optional(),
});

export const PolicySchema = z
  .strictObject({
    apiVersion: z.literal('glidepath/v1'),
    kind: z.literal(POLICY_KIND),
    groups: z.record(z.string(), z.array(readableText('a group member', MAX_NAME_LENGTH).min(1))).default({}),
    rules: z.array(PolicyRuleSchema).default([]),
    /** Public keys that sign approvals, per person: lines of their `~/.ssh/id_ed25519.pub`. */
    signers: z.record(readableText('a signer', MAX_NAME_LENGTH).min(1), z.array(SignerKey).min(1)).default({}),
    notifications: z.array(NotificationSinkSchema).default([]),
  })
  .superRefine((policy, ctx) => {
    checkSigners(policy, ctx);
    const names = new Set<string>();
    policy.rules.forEach((rule, i) => {
      if (names.has(rule.name))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `rule "${rule.name}" is defined twice` });
      names.add(rule.name);
      for (const [j, group] of (rule.approvals?.from ?? []).entries()) {
        if (!policy.groups[group])
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'approvals', 'from', j], message: `no group "${group}" in groups` });
      }
      if (rule.approvals?.requireSignature) {
        // An approver without a key could never answer the gate: say so when the policy is read, not at the gate.
        const keyless = [...new Set(rule.approvals.from.flatMap((g) => policy.groups[g] ?? []))].filter((p) => !policy.signers[p]);
        if (keyless.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'approvals', 'requireSignature'],
            message:
              `rule "${rule.name}" requires signed ` +
              `approvals, but ${keyless.join(', ')} ha${keyless.length === 1 ? 's' : 've'} no key in signers; add ` +
              `their ssh-ed25519 public keys (a line of ~/.ssh/id_ed25519.pub) under signers`,
          });
      }
    });
    const sinks = new Set<string>();
    policy.notifications.forEach((sink, i) => {
      if (sinks.has(sink.name))
        ctx.addIssue({ code: 'custom', path: ['notifications', i, 'name'], message: `notification sink "${sink.name}" is defined twice` });
      sinks.add(sink.name);
    });
  });

/** A key names one person: the same key under two names would let one sign as the other. */
function checkSigners(policy: { signers: Record<string, string[]> }, ctx: z.RefinementCtx): void {
  const owners = new Map<string, string>();
  for (const [person, lines] of Object.entries(policy.signers)) {
    lines.forEach((line, i) => {
      const parsed = parseSshPublicKey(line);
      if ('problem' in parsed) return; // said by the key's own check
      const owner = owners.get(parsed.key);
      if (owner !== undefined && owner !== person)
        ctx.addIssue({
          code: 'custom',
          path: ['signers', person, i],
          message: `the same key (${parsed.fingerprint}) is listed for ${owner} and ${person}; a key names one person`,
        });
      owners.set(parsed.key, person);
    });
  }
}

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;
