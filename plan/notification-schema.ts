/**
 * The policy's `notifications`: webhook sinks a run tells about its events. URLs and keys are named by the worker's
 * environment variables (`urlFrom`, `secretFrom`), so the policy file and the runs' histories never hold a
 * secret; a plain `url` is for endpoints whose address is no secret. Zod: worker and CLI only.
 */
import { z } from 'zod';
import { NOTIFICATION_EVENTS } from './notifications';

const Glob = z.string().min(1).max(128);
const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'the name of an environment variable of the worker, e.g. GLIDEPATH_WEBHOOK_SECRET');

export const NotificationSinkSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a sink name is letters, digits, ".", "_" and "-"'),
    /** `webhook`: the event as JSON, signed with HMAC-SHA256; `slack`: a Slack incoming-webhook message. */
    type: z.enum(['webhook', 'slack']),
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
    urlFrom: EnvName.optional(),
    secretFrom: EnvName.optional(),
    /** Default: every event. */
    events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).optional(),
    match: z.strictObject({ service: Glob.optional(), environment: Glob.optional(), system: Glob.optional() }).default({}),
  })
  .superRefine((sink, ctx) => {
    if ((sink.url === undefined) === (sink.urlFrom === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['urlFrom'],
        message: 'give the address as urlFrom (an environment variable of the worker that holds it) or url, one of them',
      });
    if (sink.type === 'slack' && sink.url !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          "a Slack webhook URL is a secret (it carries its token): put it in the worker's environment and name the variable in urlFrom",
      });
    if (sink.type === 'webhook' && sink.secretFrom === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['secretFrom'],
        message:
          'a webhook is signed: name the environment variable of the worker that holds the HMAC key, e.g. ' +
          'secretFrom: GLIDEPATH_WEBHOOK_SECRET',
      });
    if (sink.type === 'slack' && sink.secretFrom !== undefined)
      ctx.addIssue({ code: 'custom', path: ['secretFrom'], message: 'Slack messages are not signed; remove secretFrom' });
  });

export type NotificationSinkRule = z.infer<typeof NotificationSinkSchema>;
