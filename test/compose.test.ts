/** docker-compose.yml loads as `docker compose config` would load it, and registers every search attribute. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_FLAGS } from '../workflows/search-attributes';

it('docker-compose.yml is a valid Compose project with Temporal, PostgreSQL, the UI and the worker', () => {
  const script = path.join(__dirname, '..', 'scripts', 'compose-check.sh');
  const project = parse(execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  expect(Object.keys(project.services).sort()).toEqual(['postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker']);
  const setup = project.services['temporal-setup'].command.join(' ');
  for (const flag of SEARCH_ATTRIBUTE_FLAGS) expect(setup).toContain(flag);
  expect(project.services['temporal-ui'].environment.TEMPORAL_WORKFLOW_TERMINATE_DISABLED).toBe('true');
}, 300_000);
