/**
 * How many workflows a worker keeps in its cache, chosen from its memory. A cached plan answers a message or a
 * timer at once; one evicted from the cache is replayed from its history first (a few ms of CPU per plan, measured
 * by `npm run bench` as wake_p99_ms). Eviction is how a worker holding more plans than fit stays alive: the cache
 * must be full before the heap is, or the worker dies out of memory instead of evicting.
 *
 * The SDK's default gives every cached workflow 1.7 MiB of the V8 heap. A Glidepath plan needs less since its
 * workflow code holds no schema library (bench: rss_mb_per_open_plan), so the cache is sized with a budget of
 * MIB_PER_CACHED_PLAN each: a 4 GiB heap caches 3,760 plans, a 1 GiB heap (--max-old-space-size=1024) 640.
 * GLIDEPATH_MAX_CACHED_WORKFLOWS overrides it; README "Capacity" says when to.
 */
import v8 from 'node:v8';

/**
 * Budget per cached plan: 1.5 to 2 times the worker RSS a canary held at a gate adds (0.5 to 0.65 MiB,
 * `npm run bench`), for plans with more steps and statuses with many actions and measurements.
 */
export const MIB_PER_CACHED_PLAN = 1;
/** Heap kept for the worker itself: the SDK, the workflow bundle, activities and their clients, garbage. */
export const RESERVED_HEAP_MIB = 384;
const MIB = 1024 * 1024;

export function workflowCacheSize(
  heapLimitMiB = v8.getHeapStatistics().heap_size_limit / MIB,
  override = process.env.GLIDEPATH_MAX_CACHED_WORKFLOWS,
): number {
  if (override !== undefined && override !== '') {
    const size = Number(override);
    if (!Number.isInteger(size) || size < 2) throw new Error(`GLIDEPATH_MAX_CACHED_WORKFLOWS must be an integer ≥ 2, not "${override}"`);
    return size;
  }
  return Math.max(Math.floor((heapLimitMiB - RESERVED_HEAP_MIB) / MIB_PER_CACHED_PLAN), 100);
}
