/**
 * A plan file's bytes to text: at most MAX_PLAN_FILE_BYTES, and UTF-8. UTF-16 and UTF-32 (what some editors
 * and PowerShell's redirection write) and invalid UTF-8 are named with where they start, never decoded into
 * replacement characters that would then pass for a plan.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { MAX_PLAN_FILE_BYTES, kib } from './limits';
import { PlanError } from './plan-error';

const SAVE_AS_UTF8 = 'save the file as UTF-8 (without a byte order mark is best)';

/** Reads at most one byte past the limit, so a huge or endless file (a pipe, /dev/zero) is refused without reading it all. */
export function readPlanBytes(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new PlanError(file, [{ path: '', message: `cannot read the plan file: ${(err as Error).message}` }]);
  }
  try {
    const buffer = Buffer.alloc(MAX_PLAN_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > MAX_PLAN_FILE_BYTES) {
      throw new PlanError(file, [
        {
          path: '',
          message:
            `the plan file is larger than ${kib(MAX_PLAN_FILE_BYTES)}; a plan is a short description of one ` +
            `rollout: split it, or remove what is not needed`,
        },
      ]);
    }
    return buffer.subarray(0, length);
  } catch (err) {
    if (err instanceof PlanError) throw err;
    throw new PlanError(file, [{ path: '', message: `cannot read the plan file: ${(err as Error).message}` }]);
  } finally {
    closeSync(fd);
  }
}

/** Offset of the first byte that is not part of well-formed UTF-8, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const size = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 0 || i + size > bytes.length) return i;
    for (let k = 1; k < size; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    const b1 = bytes[i + 1];
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    i += size;
  }
  return -1;
}

function lineAt(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

function encodingProblem(bytes: Uint8Array): string | undefined {
  const starts = (...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
  if (starts(0x00, 0x00, 0xfe, 0xff) || starts(0xff, 0xfe, 0x00, 0x00))
    return `the file is UTF-32 (it starts with a UTF-32 byte order mark); ${SAVE_AS_UTF8}`;
  if (starts(0xfe, 0xff) || starts(0xff, 0xfe)) return `the file is UTF-16 (it starts with a UTF-16 byte order mark); ${SAVE_AS_UTF8}`;
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return `the file has a NUL byte at ${lineAt(bytes, nul)}: it is UTF-16 without a byte order mark, or not text at all; ${SAVE_AS_UTF8}`;
  }
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    const byte = bytes[bad].toString(16).toUpperCase().padStart(2, '0');
    return `the file is not valid UTF-8: byte 0x${byte} at ${lineAt(bytes, bad)} (Latin-1 or Windows-1252 text?); ${SAVE_AS_UTF8}`;
  }
  return undefined;
}

/** The plan's text; a UTF-8 byte order mark is dropped. */
export function decodePlanText(bytes: Uint8Array, source: string): string {
  const problem = encodingProblem(bytes);
  if (problem) throw new PlanError(source, [{ path: '', message: problem }]);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
