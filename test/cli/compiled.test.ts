/**
 * The compiled CLI and worker, as the container image runs them: `npm run build`'s TypeScript output (here into
 * .tools/compiled-check, not dist/, so bin/glidepath in other tests keeps running the sources) with the files the
 * build copies, driving a Lambda canary on moto end to end. A source the build forgets shows here, not in production.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { runCli } from '../support/cli';
import { BUCKET, createLambdaService } from '../support/lambda-fixture';
import { uniqueName } from '../support/temporal';
import { useWorkerProcesses, workerEnv } from '../support/worker-process';

const root = path.join(__dirname, '..', '..');
const out = path.join(root, '.tools', 'compiled-check');
const endpoint = inject('motoEndpoint');
const workers = useWorkerProcesses();
const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-compiled-'));
const compiled = (...args: string[]) => [process.execPath, path.join(out, 'starters', 'cli.js'), ...args];

beforeAll(() => {
  rmSync(out, { recursive: true, force: true });
  // What `npm run build` does before bundling the workflows (the tests' prebuilt bundle stands in for that step).
  const build: string = require('../../package.json').scripts.build;
  expect(build).toContain('tsc -p tsconfig.build.json && cp encryption/failure-converter.js dist/encryption/');
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', out], { cwd: root });
  copyFileSync(path.join(root, 'encryption', 'failure-converter.js'), path.join(out, 'encryption', 'failure-converter.js'));
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the compiled CLI and worker', () => {
  it('validate: exit 0 for the example, 2 naming the field for a bad plan', async () => {
    const cli = compiled();
    expect((await runCli(['validate', path.join(root, 'examples', 'lambda-canary.yaml')], {}, undefined, cli)).code).toBe(EXIT.ok);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: glidepath/v1\nmetadata: { service: x, environment: y, release: v1 }\n');
    const refused = await runCli(['validate', bad], {}, undefined, cli);
    expect(refused.code).toBe(EXIT.invalidPlan);
    expect(refused.stderr).toContain('target');
  });

  it('a compiled worker promotes a canary that the compiled CLI started and followed; status reads it with a key configured', async () => {
    const service = uniqueName('compiled');
    const lambda = await createLambdaService(endpoint, service);
    const taskQueue = uniqueName('compiled');
    const env = workerEnv(taskQueue, endpoint);
    await workers.spawn(env, undefined, compiled('worker'));
    const plan = path.join(dir, `${service}.yaml`);
    writeFileSync(
      plan,
      stringify({
        apiVersion: 'glidepath/v1',
        metadata: { service, environment: 'test', release: 'v2' },
        target: { type: 'lambda', functionName: service, alias: 'live', code: { s3Bucket: BUCKET, s3Key: `${service}/v2.zip` } },
        strategy: { type: 'canary', steps: [{ setWeight: 50 }, { setWeight: 100 }] },
      }),
    );
    const cliEnv = { ...env, GLIDEPATH_USER: 'ci-bot' };
    const deployed = await runCli(['deploy', plan, '--follow'], cliEnv, undefined, compiled());
    expect(deployed.code, deployed.stderr).toBe(EXIT.ok);
    expect(deployed.stdout).toContain('PROMOTED');
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: service, Name: 'live' }));
    expect(alias).toMatchObject({ FunctionVersion: '2' });
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});

    // A configured key loads the encrypting data converter (and its failure converter, a file the build copies).
    const key = Buffer.alloc(32, 7).toString('base64');
    const status = await runCli(
      ['status', `${service}/test`],
      { ...cliEnv, GLIDEPATH_ENCRYPTION_KEYS: `k1=${key}` },
      undefined,
      compiled(),
    );
    expect(status.code, status.stderr).toBe(EXIT.ok);
    expect(status.stdout).toContain('Promoted');
  });
});
