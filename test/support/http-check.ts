/**
 * A local HTTP endpoint for analysis steps' `http` checks, answering with the status a test sets. It binds
 * port 0 and reports the port it got, and records what the test wants to know at the moment each check came in.
 */
import { type Server, createServer } from 'node:http';

export interface HttpCheck<T> {
  url: string;
  /** What `observe` returned at each request, in order. */
  seen: T[];
  close(): Promise<void>;
}

/** `observe` gets the path each check asked for (with its query). */
export async function startHttpCheck<T>(status: number, observe: (path: string) => Promise<T>): Promise<HttpCheck<T>> {
  const seen: T[] = [];
  const server: Server = createServer((req, res) => {
    observe(req.url ?? '')
      .then(
        (value) => seen.push(value),
        () => undefined,
      )
      .finally(() => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/health`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
