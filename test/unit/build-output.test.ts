/**
 * `npm run build` compiles the TypeScript sources to dist/; a JavaScript source is not compiled, so the build must
 * copy it, or the compiled CLI and worker miss it at run time (encryption/failure-converter.js is loaded by path
 * by the data converter whenever a key is configured).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const COMPILED = ['connection', 'encryption', 'plan', 'workflows', 'activities', 'workers', 'starters'];

function javaScriptSources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return javaScriptSources(relative);
    return entry.name.endsWith('.js') ? [relative] : [];
  });
}

it('copies every JavaScript source of the compiled directories into dist/', () => {
  const build: string = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.build;
  const sources = COMPILED.flatMap(javaScriptSources);
  expect(sources).toContain('encryption/failure-converter.js');
  for (const source of sources) expect(build, `npm run build must copy ${source}`).toContain(`cp ${source} dist/${path.dirname(source)}/`);
});
