/** docker-compose.yml loads as `docker compose config` would load it, and registers every search attribute. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_FLAGS } from '../workflows/search-attributes';

it('docker-compose.yml is a valid Compose project with Temporal, PostgreSQL, the UI, the worker and the codec server', () => {
  const script = path.join(__dirname, '..', 'scripts', 'compose-check.sh');
  const project = parse(execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  expect(Object.keys(project.services).sort()).toEqual([
    'codec-server',
    'postgresql',
    'temporal',
    'temporal-setup',
    'temporal-ui',
    'worker',
  ]);
  const setup = project.services['temporal-setup'].command.join(' ');
  for (const flag of SEARCH_ATTRIBUTE_FLAGS) expect(setup).toContain(flag);
  expect(project.services['temporal-ui'].environment.TEMPORAL_WORKFLOW_TERMINATE_DISABLED).toBe('true');
  // The UI decrypts through the codec server, which answers the UI's origin; it and the worker share the keys.
  const codec = project.services['codec-server'];
  expect(project.services['temporal-ui'].environment.TEMPORAL_CODEC_ENDPOINT).toMatch(/^http:\/\/localhost:8081\//);
  expect(codec.command).toEqual(expect.arrayContaining(['codec-server', '--allowed-origin', 'http://localhost:8080']));
  // The UI hands the codec token to every visitor: both are published on this machine's loopback only.
  const published = (service: { ports: Array<{ host_ip?: string; published: string; target: number }> }) =>
    service.ports.map((p) => `${p.host_ip ?? '*'}:${p.published}:${p.target}`);
  expect(published(codec)).toEqual(['127.0.0.1:8081:8081']);
  expect(published(project.services['temporal-ui'])).toEqual(['127.0.0.1:8080:8080']);
  expect(codec.environment).toHaveProperty('GLIDEPATH_CODEC_TOKEN');
  expect(Object.keys(project.services.worker.environment)).toContain('GLIDEPATH_ENCRYPTION_KEYS');
  expect(Object.keys(codec.environment)).toContain('GLIDEPATH_ENCRYPTION_KEYS');
}, 300_000);
