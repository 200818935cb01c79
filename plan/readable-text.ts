/**
 * Names and reasons people read: `requestedBy`, approvers, and the `by` and `reason` of every action. They are
 * printed in status lines, CI logs and the Web UI, so a character that moves the cursor, recolours the
 * terminal, hides itself or flips the reading direction could make one line pretend to be another. Such
 * characters are refused, never stripped: the sender retypes the text.
 *
 * Pure and deterministic (no Node built-ins, no zod): imported by workflow code through workflows/messages.ts.
 * The plan schema applies the same rule through plan/readable-text-schema.ts.
 */

/**
 * Control (C0, DEL, C1: ESC starts ANSI escapes), format (zero-width, bidi, soft hyphen, tags), line and paragraph
 * separators, lone surrogates.
 */
const UNREADABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

const NAMES: Record<number, string> = {
  9: 'a tab',
  10: 'a line break',
  13: 'a carriage return',
  27: 'an escape character (ANSI colour or cursor codes)',
  155: 'an escape character (ANSI colour or cursor codes)',
  173: 'a soft hyphen (invisible)',
  8203: 'a zero-width space',
  8204: 'a zero-width non-joiner',
  8205: 'a zero-width joiner',
  8288: 'a word joiner (invisible)',
  65279: 'a zero-width no-break space',
  8232: 'a line separator',
  8233: 'a paragraph separator',
};

function describeCharacter(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code];
  if (name) return `${name} (${hex})`;
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || code === 0x200e || code === 0x200f || code === 0x061c) {
    return `a text-direction control (${hex})`;
  }
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `a control character (${hex})`;
  return `an invisible formatting character (${hex})`;
}

/** Why `text` cannot be shown as it is, or undefined when it can. */
export function unreadableCharacter(text: string): string | undefined {
  const match = UNREADABLE.exec(text);
  if (!match) return undefined;
  const code = match[0].codePointAt(0)!;
  return (
    `contains ${describeCharacter(code)} at character ${match.index + 1}; names and reasons are shown in ` +
    `status lines and the UI, so control, escape, zero-width and text-direction characters are refused: retype it as plain text`
  );
}

/** Why `text`, shown as `what`, cannot be accepted (too long, or disguised), or undefined when it can. */
export function readableTextProblem(what: string, max: number, text: string): string | undefined {
  if (text.length > max) return `${what} is at most ${max} characters, this is ${text.length}: shorten it`;
  const problem = unreadableCharacter(text);
  return problem ? `${what} ${problem}` : undefined;
}
