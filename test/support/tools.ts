/** Where the pinned servers live: installed by scripts/tools.sh, cached outside the checkout. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function toolsBin(): string {
  if (cached) return cached;
  const fromEnv = process.env.GLIDEPATH_TOOLS_BIN;
  if (fromEnv && existsSync(path.join(fromEnv, 'temporal'))) return (cached = fromEnv);
  const script = path.join(__dirname, '..', '..', 'scripts', 'tools.sh');
  const out = execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n');
  return (cached = out[out.length - 1]);
}

export const tool = (name: 'temporal' | 'temporal-test-server' | 'moto_server') => path.join(toolsBin(), name);
