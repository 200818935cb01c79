/**
 * The line width biome.jsonc sets (140) holds for every line, strings and comments included, which the formatter
 * cannot wrap: a long message is written as a concatenation, a long pattern as joined parts. Not checked: the
 * recorded histories and generated files (they stay as written).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');
const WIDTH = 140;
const EXEMPT = [/^test\/histories\//];
const GENERATED = /@generated|DO NOT EDIT/;

/** Tracked and new (not ignored) TypeScript files, as git and biome see the tree. */
function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return listed.split('\n').filter((file) => file && !EXEMPT.some((re) => re.test(file)));
}

/** `file:line (width)` for each line wider than WIDTH characters (code points, as an editor counts them). */
function overWidth(file: string, text: string): string[] {
  if (GENERATED.test(text.slice(0, 500))) return [];
  return text.split('\n').flatMap((line, i) => {
    const width = [...line].length;
    return width > WIDTH ? [`${file}:${i + 1} (${width})`] : [];
  });
}

describe('line width', () => {
  it('reads the tree (the check below is not vacuous)', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(300);
    expect(files).toContain('test/unit/line-width.test.ts');
    expect(files.some((f) => f.startsWith('test/histories/'))).toBe(false);
  });

  it('finds a line one character too wide, and counts characters, not bytes', () => {
    expect(overWidth('a.ts', `ok\n${'x'.repeat(WIDTH + 1)}`)).toEqual([`a.ts:2 (${WIDTH + 1})`]);
    expect(overWidth('a.ts', '→'.repeat(WIDTH))).toEqual([]);
    expect(overWidth('a.ts', `// @generated\n${'x'.repeat(WIDTH + 1)}`)).toEqual([]);
  });

  it(`has no .ts or .mts line over ${WIDTH} characters`, () => {
    const wide = sourceFiles().flatMap((file) => overWidth(file, readFileSync(path.join(ROOT, file), 'utf8')));
    expect(wide).toEqual([]);
  });
});
