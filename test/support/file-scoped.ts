/** Something a test file starts once before its tests and stops after them: a simulator, a harness, a cluster. */
import { afterAll, beforeAll } from 'vitest';

/**
 * For a test file's top level: `start()` in a beforeAll, `stop` on what it started in an afterAll. Returns a
 * stand-in whose fields read those of what was started, so the file can name it once at its top; reading one
 * before the beforeAll ran is an error that says so.
 */
export function useForFile<T extends object>(start: () => Promise<T>, stop: (started: T) => Promise<unknown>, timeoutMs?: number): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  }, timeoutMs);
  afterAll(async () => {
    if (started) await stop(started);
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!started) throw new Error(`${String(key)} read before the beforeAll that starts it`);
      const field = Reflect.get(started, key);
      return typeof field === 'function' ? field.bind(started) : field;
    },
  });
}
