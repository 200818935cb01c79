/** Waiting for a condition instead of sleeping: servers and controllers act asynchronously. */

/** Polls `read` until `ok` holds for its value; returns that value. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: never happened; last seen ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
