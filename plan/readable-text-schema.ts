/** The readable-text rule (plan/readable-text.ts) as a zod string, for the plan schema. Not for workflow code. */
import { z } from 'zod';
import { unreadableCharacter } from './readable-text';

/** A string people read, at most `max` characters, with no character that could disguise it. */
export function readableText(what: string, max: number) {
  return z
    .string()
    .max(max, `${what} is at most ${max} characters`)
    .superRefine((text, ctx) => {
      const problem = unreadableCharacter(text);
      if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
    });
}
