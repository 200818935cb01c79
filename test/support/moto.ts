/** A real moto server (local AWS APIs: Lambda, ECS, ELBv2, IAM, S3, CloudWatch) on a free loopback port. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tool } from './tools';

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * A loopback port that was free a moment ago. Nothing holds it: a process told to listen there may find it
 * taken, so whoever starts a server on it retries on another one (`spawnMoto` does); a server in this process
 * binds port 0 instead.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a moto server (moto_server, or a script that embeds it) on a free port and waits until it answers;
 * if it exits first (the port was taken in the meantime), it is started again on another port.
 */
export async function spawnMoto(
  command: string,
  args: (port: number) => string[],
  label: string,
): Promise<{ child: ChildProcess; endpoint: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnMotoOn(await freePort(), command, args, label);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function spawnMotoOn(
  port: number,
  command: string,
  args: (port: number) => string[],
  label: string,
): Promise<{ child: ChildProcess; endpoint: string }> {
  const child: ChildProcess = spawn(command, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) {
        if (child.exitCode !== null) throw new Error(`port ${port} answers, but not for ${label}`);
        return { child, endpoint };
      }
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} did not start on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startMoto(): Promise<Moto> {
  const { child, endpoint } = await spawnMoto(tool('moto_server'), (port) => ['-H', '127.0.0.1', '-p', String(port)], 'moto_server');
  // Lambda without Docker: set before any function exists (it switches moto to its simple Lambda backend).
  await configureMoto(endpoint, { lambda: { use_docker: false } });
  return {
    endpoint,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    },
  };
}

export async function configureMoto(endpoint: string, config: unknown): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify(config) });
  if (!res.ok) throw new Error(`moto config failed: ${res.status} ${await res.text()}`);
}

/** Queue the response moto's Docker-less Lambda returns on the next Invoke. */
export async function queueLambdaResponse(endpoint: string, body: unknown): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/static/lambda-simple/response`, {
    method: 'POST',
    body: JSON.stringify({ results: [JSON.stringify(body)], region: 'us-east-1', account_id: '123456789012' }),
  });
  if (!res.ok) throw new Error(`moto lambda response failed: ${res.status} ${await res.text()}`);
}

/** Credentials and endpoint for AWS SDK clients talking to moto. */
export function awsConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}
