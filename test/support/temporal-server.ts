/**
 * A Temporal dev server of a test's own, on a SQLite file, that the test can SIGKILL and restart on the same
 * port and file (a crash, with the server's state kept). Its port is picked free and, should something else bind
 * it first, the start is retried on another one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/search-attributes';
import { useForFile } from './file-scoped';
import { freePort } from './moto';
import { tool } from './tools';

export interface DevServer {
  address: string;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** Start again on the same port and database file. */
  restart(): Promise<void>;
}

export async function startDevServer(): Promise<DevServer> {
  const dbFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-server-')), 'temporal.db');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      let child = await launch(port, dbFile);
      return {
        address: `127.0.0.1:${port}`,
        kill: () => kill9(child),
        restart: async () => {
          // The port was this server's a moment ago; a start that loses it to a lingering socket is tried again.
          for (let i = 1; ; i++) {
            try {
              child = await launch(port, dbFile);
              return;
            } catch (err) {
              if (i >= 5) throw err;
            }
          }
        },
      };
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

/** For a test file's top level: a dev server of its own, started before the file's tests and killed after them. */
export const useDevServer = (): DevServer => useForFile(startDevServer, (server) => server.kill());

async function launch(port: number, dbFile: string): Promise<ChildProcess> {
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    dbFile,
    '--log-level',
    'error',
  ];
  const child = spawn(tool('temporal'), [...args, ...SEARCH_ATTRIBUTE_FLAGS.flatMap((f) => ['--search-attribute', f])], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 500 });
      try {
        await connection.healthService.check({});
      } finally {
        await connection.close();
      }
      if (child.exitCode !== null) throw new Error(`port ${port} is taken by another server`);
      return child;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await kill9(child);
        throw new Error(`temporal dev server did not start on port ${port}: ${err}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
