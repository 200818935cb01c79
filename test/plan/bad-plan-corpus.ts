/**
 * The bad-plan corpus: test/fixtures/bad-plans/<class>/<name>.yaml. Each file says what its error must be in
 * comment lines at its top (or, for files that are not UTF-8 text, in `<name>.yaml.expect` beside it):
 *
 *   # expect-path: metadata.release         the field (or "line N", "--set ...", "" for the whole file)
 *   # expect-message: quote it              a phrase of its message
 *   # set: release=20261123                 a --set to give (any number of these)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const CORPUS = path.join(__dirname, '..', 'fixtures', 'bad-plans');

export interface BadPlan {
  class: string;
  name: string;
  file: string;
  path: string;
  message: string;
  sets: string[];
}

function expectations(file: string): string[] {
  const sidecar = `${file}.expect`;
  if (existsSync(sidecar)) return readFileSync(sidecar, 'utf8').split('\n');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('# '))
    .map((line) => line.slice(2));
}

function field(lines: string[], name: string): string[] {
  return lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim());
}

export function badPlans(): BadPlan[] {
  return readdirSync(CORPUS).flatMap((cls) =>
    readdirSync(path.join(CORPUS, cls))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => {
        const file = path.join(CORPUS, cls, f);
        const lines = expectations(file);
        const [expectedPath] = field(lines, 'expect-path');
        const [message] = field(lines, 'expect-message');
        if (expectedPath === undefined || !message) throw new Error(`${file}: needs expect-path and expect-message`);
        return { class: cls, name: f.replace(/\.yaml$/, ''), file, path: expectedPath, message, sets: field(lines, 'set') };
      }),
  );
}
